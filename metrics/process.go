package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agd-project/agd/supervisor"
)

// processCollector reports the kernel's process tree as it is at each
// scrape: the kernel itself as process="kernel", and every descendant
// (SwingSet's vat workers) under its command name, told apart by pid.
type processCollector struct {
	kernelPid int
	metrics   *Metrics
	resident  *prometheus.Desc
	cpu       *prometheus.Desc
}

func newProcessCollector(kernelPid int, m *Metrics) *processCollector {
	labels := []string{"process", "pid"}
	return &processCollector{
		kernelPid: kernelPid,
		metrics:   m,
		resident: prometheus.NewDesc(NameKernelProcessResident,
			"Resident memory of the kernel (process=\"kernel\") and of each process descended from it.", labels, nil),
		cpu: prometheus.NewDesc(NameKernelProcessCPU,
			"CPU time (user and system) of the kernel (process=\"kernel\") and of each process descended from it.", labels, nil),
	}
}

func (c *processCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.resident
	ch <- c.cpu
}

// Collect reads /proc. A tree that cannot be read (the kernel has just
// exited, and agd is stopping) gives no samples rather than failing the
// whole scrape, which would hide CometBFT's metrics too; it is counted.
func (c *processCollector) Collect(ch chan<- prometheus.Metric) {
	tree, err := supervisor.ProcessTree(c.kernelPid)
	if err != nil {
		c.metrics.Unpropagated(SiteProcessTree)
		return
	}
	for _, p := range tree {
		name := p.Command
		if p.Pid == c.kernelPid {
			name = "kernel"
		}
		pid := strconv.Itoa(p.Pid)
		ch <- prometheus.MustNewConstMetric(c.resident, prometheus.GaugeValue, float64(p.ResidentBytes), name, pid)
		ch <- prometheus.MustNewConstMetric(c.cpu, prometheus.CounterValue, p.CPUSeconds, name, pid)
	}
}
