package metrics

import (
	"os"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type fakeRecorder struct{}

func (fakeRecorder) Entries() uint64      { return 7 }
func (fakeRecorder) RetainedBytes() int64 { return 42 }

// TestEveryPinnedNameIsRegistered: once agd has watched its flight
// recorder and kernel, a scrape holds every pinned name, read from the
// sources at scrape time; registering twice fails instead of hiding a
// second Metrics.
func TestEveryPinnedNameIsRegistered(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := New(reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WatchFlightRecorder(fakeRecorder{}); err != nil {
		t.Fatal(err)
	}
	height := int64(5)
	// This test process stands in for the kernel: its tree is readable.
	if err := m.WatchKernel(func() int64 { return height }, os.Getpid()); err != nil {
		t.Fatal(err)
	}
	m.KernelCall("swingset.Commit", time.Millisecond)
	m.KernelRequest("vstorage.get", 0)
	m.FlightRecorderWriteErrors(2)
	height = 6

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, s := range f.GetMetric() {
			switch {
			case s.GetGauge() != nil:
				got[f.GetName()] = s.GetGauge().GetValue()
			case s.GetCounter() != nil:
				got[f.GetName()] += s.GetCounter().GetValue()
			default:
				got[f.GetName()] = 1
			}
		}
	}
	for _, name := range Names {
		if _, ok := got[name]; !ok {
			t.Errorf("%s is not registered", name)
		}
	}
	if got[NameKernelHeight] != 6 || got[NameSlogEntries] != 7 || got[NameFlightrecRetained] != 42 || got[NameFlightrecWriteErrors] != 2 {
		t.Errorf("values %v: want height 6 (read at scrape), entries 7, bytes 42, write errors 2", got)
	}
	if _, err := New(reg); err == nil {
		t.Error("a second Metrics on the same registry was accepted")
	}
}
