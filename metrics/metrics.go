package metrics

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The pinned metric names.
const (
	NameKernelHeight          = "agd_kernel_height"
	NameKernelCallDuration    = "agd_kernel_call_duration_seconds"
	NameKernelRequests        = "agd_kernel_requests_total"
	NameSlogEntries           = "agd_slog_entries_total"
	NameFlightrecRetained     = "agd_flightrec_retained_bytes"
	NameFlightrecWriteErrors  = "agd_flightrec_write_errors_total"
	NameUnpropagatedErrors    = "agd_unpropagated_errors_total"
	NameKernelProcessResident = "agd_kernel_process_resident_bytes"
	NameKernelProcessCPU      = "agd_kernel_process_cpu_seconds_total"
)

// NameKernelBlockDuration is not pinned: the time agd waits on the kernel
// per block (BeginBlock, EndBlock and Commit together).
const NameKernelBlockDuration = "agd_kernel_block_duration_seconds"

// Names lists every pinned name, for tests and docs.
var Names = []string{
	NameKernelHeight, NameKernelCallDuration, NameKernelRequests, NameSlogEntries,
	NameFlightrecRetained, NameFlightrecWriteErrors, NameUnpropagatedErrors,
	NameKernelProcessResident, NameKernelProcessCPU,
}

// Metrics holds the collectors agd updates as things happen. Its methods
// are safe for concurrent use.
type Metrics struct {
	reg          prometheus.Registerer
	callDuration *prometheus.HistogramVec
	blockSeconds prometheus.Histogram
	requests     *prometheus.CounterVec
	writeErrors  prometheus.Counter
	unpropagated *prometheus.CounterVec
	work         *blockWork
}

// New registers the collectors agd updates itself on reg. agd passes
// CometBFT's registry (prometheus.DefaultRegisterer) when [instrumentation]
// prometheus is on, and a private registry otherwise, so that the code that
// reports never asks whether anyone listens.
func New(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		reg: reg,
		callDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: NameKernelCallDuration,
			Help: "Duration of each lifecycle call agd makes to the kernel (swingset.Init, BeginBlock, EndBlock, Commit), failed calls included.",
			// From a 1 ms Commit to the 2 min call timeout.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
		}, []string{"method"}),
		blockSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    NameKernelBlockDuration,
			Help:    "Time agd waited on the kernel per committed block: its BeginBlock, EndBlock and Commit calls together.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NameKernelRequests,
			Help: "The kernel's calls and notifications to agd (vbank.*, vstorage.*, slog.Write ...) by JSON-RPC result code; 0 is success.",
		}, []string{"method", "code"}),
		writeErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: NameFlightrecWriteErrors,
			Help: "Failed writes and deletions of flight-recorder files (and slog.Write batches it could not read); each one counts.",
		}),
		unpropagated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NameUnpropagatedErrors,
			Help: "Errors agd logs without returning them anywhere, by site (docs/operating.md lists the sites).",
		}, []string{"site"}),
		work: newBlockWork(),
	}
	for _, c := range append([]prometheus.Collector{m.callDuration, m.blockSeconds, m.requests, m.writeErrors, m.unpropagated}, m.work.collectors()...) {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register agd metrics: %w", err)
		}
	}
	// Every site is present from the start at 0, so an alert on rate()
	// sees the first error instead of a series that appears with it.
	for _, s := range Sites {
		m.unpropagated.WithLabelValues(string(s))
	}
	return m, nil
}

// KernelCall records one lifecycle call to the kernel and how long it took.
func (m *Metrics) KernelCall(method string, took time.Duration) {
	m.callDuration.WithLabelValues(method).Observe(took.Seconds())
}

// KernelBlock records the time agd waited on the kernel for one block.
func (m *Metrics) KernelBlock(took time.Duration) {
	m.blockSeconds.Observe(took.Seconds())
}

// KernelRequest records one call or notification from the kernel with the
// code agd answered (0: success).
func (m *Metrics) KernelRequest(method string, code int64) {
	m.requests.WithLabelValues(method, strconv.FormatInt(code, 10)).Inc()
}

// FlightRecorderWriteErrors counts n failed flight-recorder writes.
func (m *Metrics) FlightRecorderWriteErrors(n int) {
	m.writeErrors.Add(float64(n))
}

// Unpropagated counts one error logged at site and returned nowhere.
func (m *Metrics) Unpropagated(site Site) {
	m.unpropagated.WithLabelValues(string(site)).Inc()
}

// FlightRecorder is what the flight-recorder metrics read at scrape time.
type FlightRecorder interface {
	// Entries counts the slog entries recorded since start.
	Entries() uint64
	// RetainedBytes is the size of the blocks kept on disk.
	RetainedBytes() int64
}

// WatchFlightRecorder registers agd_slog_entries_total and
// agd_flightrec_retained_bytes, read from rec at scrape time.
func (m *Metrics) WatchFlightRecorder(rec FlightRecorder) error {
	return m.register(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: NameSlogEntries,
			Help: "The kernel's slog entries agd received (slog.Write) since it started.",
		}, func() float64 { return float64(rec.Entries()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: NameFlightrecRetained,
			Help: "Bytes of kernel slog the flight recorder keeps on disk ([flight-recorder] bounds it).",
		}, func() float64 { return float64(rec.RetainedBytes()) }),
	)
}

// WatchKernel registers agd_kernel_height (read from height) and the
// per-process figures of the kernel whose pid is kernelPid and of every
// process descended from it.
func (m *Metrics) WatchKernel(height func() int64, kernelPid int) error {
	return m.register(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: NameKernelHeight,
			Help: "The kernel's last committed block height.",
		}, func() float64 { return float64(height()) }),
		newProcessCollector(kernelPid, m),
	)
}

func (m *Metrics) register(cs ...prometheus.Collector) error {
	var errs []error
	for _, c := range cs {
		if err := m.reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("register agd metrics: %w", err)
	}
	return nil
}
