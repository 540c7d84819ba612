package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"testing"
)

func TestBlockClock(t *testing.T) {
	var c blockClock
	var got []blockTiming
	feed := func(typ string, h int64, mono float64) {
		if bt, ok := c.observe([]byte(fmt.Sprintf(`{"type":%q,"blockHeight":%d,"time":1,"monotime":%g}`, typ, h, mono))); ok {
			got = append(got, bt)
		}
	}
	for h, base := range map[int64]float64{7: 10.0} {
		feed("cosmic-swingset-begin-block", h, base)
		feed("cosmic-swingset-end-block-start", h, base+0.100)
		feed("cosmic-swingset-end-block-finish", h, base+0.130)
		feed("cosmic-swingset-commit-block-start", h, base+0.150)
		feed("cosmic-swingset-commit-block-finish", h, base+0.160)
	}
	feed("cosmic-swingset-begin-block", 8, 10.5)
	feed("cosmic-swingset-end-block-start", 8, 10.6)
	feed("cosmic-swingset-end-block-finish", 8, 10.6)
	feed("cosmic-swingset-commit-block-start", 8, 10.7)
	feed("cosmic-swingset-commit-block-finish", 8, 10.7)
	if len(got) != 2 {
		t.Fatalf("timings %+v", got)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-6 }
	if !near(got[0].CosmosMs, 100) || !near(got[0].KernelMs, 40) || got[0].IntervalMs != 0 {
		t.Errorf("block 7: %+v", got[0])
	}
	if !near(got[1].IntervalMs, 500) || got[1].Height != 8 {
		t.Errorf("block 8: %+v", got[1])
	}
}

// A real node's slog (a loadgen run's node0, blocks 42-44; see
// internal/kernelwork) gives each block's timing with its SwingSet work,
// the figures the computrons panel draws.
func TestBlockClockCarriesTheKernelsWork(t *testing.T) {
	data, err := os.ReadFile("../../internal/kernelwork/testdata/blocks-42-44.slog.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var c blockClock
	var got []blockTiming
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		if bt, ok := c.observe(line); ok {
			got = append(got, bt)
		}
	}
	want := []struct {
		height     int64
		cranks     int64
		computrons uint64
	}{{42, 12, 166457}, {43, 34, 12426017}, {44, 22, 299218}}
	if len(got) != len(want) {
		t.Fatalf("timings %+v, want blocks 42-44", got)
	}
	for i, w := range want {
		if g := got[i]; g.Height != w.height || g.Cranks != w.cranks || g.Computrons != w.computrons || g.KernelMs <= 0 {
			t.Errorf("block %+v, want height %d, %d cranks, %d computrons and a kernel time", g, w.height, w.cranks, w.computrons)
		}
	}
}
