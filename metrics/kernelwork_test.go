package metrics

import (
	"bufio"
	"os"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestBlockWorkFromTheKernelsSlog feeds agd's metrics the slog a loadgen
// run's node0 wrote (blocks 42-44, starting mid-block 41; the same file
// internal/kernelwork checks against the kernel's own run-finish figures):
// three blocks are observed, with their cranks (12+34+22) and computrons
// (166457+12426017+299218) summed.
func TestBlockWorkFromTheKernelsSlog(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := New(reg)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("../internal/kernelwork/testdata/blocks-42-44.slog.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		m.SlogEntry(sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	type hist struct {
		count uint64
		sum   float64
	}
	got := map[string]hist{}
	for _, fam := range families {
		for _, s := range fam.GetMetric() {
			if h := s.GetHistogram(); h != nil {
				got[fam.GetName()] = hist{h.GetSampleCount(), h.GetSampleSum()}
			}
		}
	}
	want := map[string]hist{
		NameKernelBlockCranks:     {3, 12 + 34 + 22},
		NameKernelBlockComputrons: {3, 166457 + 12426017 + 299218},
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %d blocks summing to %v, want %d summing to %v", name, got[name].count, got[name].sum, w.count, w.sum)
		}
	}
}
