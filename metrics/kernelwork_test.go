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

// The kernel's agvm-error entries count in agd_unpropagated_errors_total
// under their site; an unknown site counts as agvm.other, and an entry that
// only mentions the type in its data counts for nothing.
func TestKernelErrorsCountAsUnpropagated(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := New(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{
		`{"type":"agvm-error","site":"slog_file","error":"SLOGFILE write failed: ENOSPC; file slog disabled","time":1,"monotime":2}`,
		`{"type":"agvm-error","site":"chain_send","error":"block 9: vstorage.Set failed: boom","time":1,"monotime":2}`,
		`{"type":"agvm-error","site":"chain_send","error":"block 10: vstorage.Set failed: boom","time":1,"monotime":2}`,
		`{"type":"agvm-error","site":"made_up_by_a_newer_kernel","error":"x"}`,
		`{"type":"syscall","ksc":["vatstoreSet","k","\"agvm-error\""]}`,
	} {
		m.SlogEntry([]byte(e))
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		if f.GetName() != NameUnpropagatedErrors {
			continue
		}
		for _, s := range f.GetMetric() {
			got[s.GetLabel()[0].GetValue()] = s.GetCounter().GetValue()
		}
	}
	want := map[string]float64{"agvm.slog_file": 1, "agvm.chain_send": 2, "agvm.other": 1, "agvm.unhandled_rejection": 0, "lifecycle.signal_kernel": 0}
	for site, n := range want {
		if v, ok := got[site]; !ok || v != n {
			t.Errorf("site %s: %v (present %v), want %v", site, v, ok, n)
		}
	}
}
