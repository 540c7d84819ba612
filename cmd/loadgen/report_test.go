package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// newTestRecorder is a recorder writing its events under a temp folder.
func newTestRecorder(t *testing.T, dir string) *recorder {
	t.Helper()
	events, err := openEventLog(filepath.Join(dir, "perf.jsonl"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { events.close() })
	return newRecorder(events, time.Now())
}

// Skipped ticks are cycles the chain could not take: they count against
// the success ratio --min-success checks.
func TestReportCountsSkippedTicks(t *testing.T) {
	if r := successRatio(99, 0, 1); r != 0.99 {
		t.Fatalf("successRatio(99, 0, 1) = %v, want 0.99", r)
	}
	for _, tc := range []struct {
		skipped  int64
		wantFail bool
	}{{0, false}, {5, true}} {
		dir := t.TempDir()
		rec := newTestRecorder(t, dir)
		tk := &task{name: "transfer"}
		tk.succeeded.Store(100)
		tk.skipped.Store(tc.skipped)
		err := report(options{out: dir, minSuccess: 0.99}, rec, []*task{tk}, runSpan{}, nil, time.Second)
		failed := err != nil && strings.Contains(err.Error(), "transfer success")
		if failed != tc.wantFail {
			t.Errorf("skipped=%d: success check failed=%v, want %v (report error: %v)", tc.skipped, failed, tc.wantFail, err)
		}
	}
}

// Block timings must cover --min-block-coverage of the run's blocks and
// every chart panel must have data; a run with no slog data fails.
func TestReportRequiresBlockTimings(t *testing.T) {
	timing := func(h int64, computrons uint64) blockTiming {
		return blockTiming{Height: h, IntervalMs: 500, CosmosMs: 10, KernelMs: 5, Cranks: 6, Computrons: computrons}
	}
	for _, tc := range []struct {
		name       string
		heights    []int64
		computrons uint64
		want       []string // problems expected; none means the block checks pass
	}{
		{"no slog data", nil, 9000, []string{"cover 0 of the run's 20 blocks", `"Block interval (from the kernel's slog)" has no data`, `"Work per block`, `"Computrons per block`}},
		{"85% of blocks", seq(3, 19), 9000, []string{"cover 17 of the run's 20 blocks (85.0% < 90%)"}},
		{"90% of blocks", seq(3, 20), 9000, nil},
		{"blocks outside the run do not count", seq(1, 18), 9000, []string{"cover 16 of the run's 20 blocks"}},
		{"no computrons in any block", seq(3, 22), 0, []string{`chart panel "Computrons per block`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			rec := newTestRecorder(t, dir)
			for _, h := range tc.heights {
				rec.block(timing(h, tc.computrons))
			}
			rec.cyclePoint("transfer", 100)
			var text strings.Builder
			problems := blockProblems(&text, options{minBlockCoverage: 0.9}, rec, runSpan{first: 3, last: 22, slog: true})
			all := strings.Join(problems, "; ")
			if len(tc.want) == 0 && len(problems) > 0 {
				t.Fatalf("unexpected problems: %s", all)
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("problems %q lack %q", all, w)
				}
			}
		})
	}
}

func seq(from, to int64) []int64 {
	var out []int64
	for h := from; h <= to; h++ {
		out = append(out, h)
	}
	return out
}

// The kernel's share of block H is its kernel time over the interval from
// H's begin to H+1's, the one that holds it: a block whose kernel time is
// longer than the interval before it (a vat's creation) is not over 100%.
func TestKernelShareUsesTheIntervalThatHoldsTheKernelTime(t *testing.T) {
	rec := newTestRecorder(t, t.TempDir())
	rec.block(blockTiming{Height: 5, IntervalMs: 1000, KernelMs: 100})
	rec.block(blockTiming{Height: 6, IntervalMs: 1000, KernelMs: 3000}) // creates a vat
	rec.block(blockTiming{Height: 7, IntervalMs: 4000, KernelMs: 100})
	rec.block(blockTiming{Height: 9, IntervalMs: 1000, KernelMs: 100}) // 8 was not timed
	share := rec.measures.get("block.kernel_share_pct")
	if share.Count != 2 || share.Max != 75 {
		t.Fatalf("kernel share %+v: want 2 values (10%% for block 5, 75%% for block 6), the largest 75%%", share)
	}
}
