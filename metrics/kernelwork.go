package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agd-project/agd/internal/kernelwork"
)

// The kernel's work per block, derived from its slog (internal/kernelwork).
// Not pinned by name in issue 14, which asks for "per block: cranks,
// computrons"; docs/operating.md documents them.
const (
	NameKernelBlockCranks     = "agd_kernel_block_cranks"
	NameKernelBlockComputrons = "agd_kernel_block_computrons"
)

// blockWork turns the slog entries agd receives into the per-block
// histograms. The tally keeps the block in progress, so entries must come
// in the kernel's order; the flight recorder feeds them under its lock.
type blockWork struct {
	cranks     prometheus.Histogram
	computrons prometheus.Histogram

	mu    sync.Mutex
	tally kernelwork.Tally
}

func newBlockWork() *blockWork {
	return &blockWork{
		cranks: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: NameKernelBlockCranks,
			Help: "SwingSet cranks (routing and delivery) the kernel ran per committed block, from its slog.",
			// An idle block runs none; one delivery to a contract is ~6.
			Buckets: []float64{0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000},
		}),
		computrons: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: NameKernelBlockComputrons,
			Help: "Metered compute (xsnap computrons) of the vat deliveries the kernel ran per committed block, transcript replays excluded, from its slog.",
			// The block budget is 8e6 by default (agd query swingset
			// params); one delivery may use up to 1e8, a vat's creation ~1.2e7.
			Buckets: []float64{0, 1e4, 1e5, 5e5, 1e6, 2e6, 4e6, 8e6, 1.6e7, 5e7, 1e8, 1e9},
		}),
	}
}

func (w *blockWork) collectors() []prometheus.Collector {
	return []prometheus.Collector{w.cranks, w.computrons}
}

func (w *blockWork) observe(typ string, entry []byte) {
	w.mu.Lock()
	b, done := w.tally.ObserveTyped(typ, entry)
	w.mu.Unlock()
	if done {
		w.cranks.Observe(float64(b.Cranks))
		w.computrons.Observe(float64(b.Computrons))
	}
}
