package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchSlog follows a slog written the way agvm writes one, in parts:
// the span runs from the begin of the first block with actions to the
// commit of the block whose syscalls publish the last outcome, and the
// schedule is each block's action count, carried-over blocks included.
func TestBenchSlog(t *testing.T) {
	var b strings.Builder
	marker := func(typ string, h int64, monotime float64, extra string) {
		fmt.Fprintf(&b, `{"type":"cosmic-swingset-%s","blockHeight":%d%s,"time":1,"monotime":%g}`+"\n", typ, h, extra, monotime)
	}
	block := func(h int64, t0 float64, actions int, computrons string, published ...int) {
		marker("begin-block", h, t0, "")
		marker("end-block-start", h, t0+0.1, fmt.Sprintf(`,"actions":%d`, actions))
		for _, id := range published {
			// as a bridge callNow syscall carries it: JSON inside a string
			fmt.Fprintf(&b, `{"type":"syscall","ksc":["callNow","d1","callOutbound",{"body":"#[\"agd\",{\"params\":{\"entries\":[[\"published.swingset.deliver.%d\",\"{\\\"result\\\":1}\"]]}}]"}]}`+"\n", id)
		}
		marker("run-finish", h, t0+1, fmt.Sprintf(`,"computrons":"%s"`, computrons))
		marker("end-block-finish", h, t0+1.1, "")
		marker("commit-block-start", h, t0+1.2, "")
		marker("commit-block-finish", h, t0+1.3, "")
	}
	block(4, 10, 1, "5", 9)    // before the round (h0 = 4)
	block(5, 20, 2, "100", 10) // the round's first block
	block(6, 30, 1, "50", 11)  // the last action
	block(7, 40, 0, "25", 12)  // carried over: publishes the last outcome
	block(8, 50, 0, "0")       // after the round
	text := b.String()
	path := filepath.Join(t.TempDir(), "slog.jsonl")
	// Written in three parts, the first two ending inside a line, and
	// polled after each: the follower must read what a single read of the
	// whole file would.
	follower := newBenchSlog(path)
	cuts := []int{len(text) / 3, 2 * len(text) / 3, len(text)}
	ids := map[string]bool{"10": true, "11": true, "12": true}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	from := 0
	for i, to := range cuts {
		if text[to-1] == '\n' && i < len(cuts)-1 {
			t.Fatalf("cut %d falls at a line's end; the test wants it inside one", i)
		}
		if _, err := f.WriteString(text[from:to]); err != nil {
			t.Fatal(err)
		}
		from = to
		if err := follower.poll(); err != nil {
			t.Fatal(err)
		}
		if _, _, err := follower.round(4, ids); i < len(cuts)-1 && err == nil {
			t.Fatalf("after part %d of 3 the round is complete", i+1)
		}
	}
	fig, schedule, err := follower.round(4, ids)
	if err != nil {
		t.Fatal(err)
	}
	if got := joinInts(schedule); got != "2,1,0" {
		t.Errorf("schedule %s, want 2,1,0", got)
	}
	want := benchFigures{Deliveries: 3, Blocks: 3, Seconds: 41.3 - 20, KernelMsPerBlock: 1000, Computrons: 175}
	if fig.Deliveries != want.Deliveries || fig.Blocks != want.Blocks || fig.Computrons != want.Computrons ||
		abs(fig.Seconds-want.Seconds) > 1e-9 || abs(fig.KernelMsPerBlock-want.KernelMsPerBlock) > 1e-6 {
		t.Errorf("figures %+v, want %+v", fig, want)
	}
	// An outcome the slog does not show yet: not done.
	ids["13"] = true
	if _, _, err := follower.round(4, ids); err == nil || !strings.Contains(err.Error(), "3 of 4 outcomes") {
		t.Errorf("with an outcome missing: err %v, want one counting 3 of 4 outcomes", err)
	}
	if follower.lastID != 12 {
		t.Errorf("last published id %d, want 12", follower.lastID)
	}
	// A poll with nothing appended reads nothing and changes nothing.
	offset := follower.offset
	if err := follower.poll(); err != nil || follower.offset != offset {
		t.Errorf("an idle poll: offset %d -> %d, err %v", offset, follower.offset, err)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{0.8}, 0.8},
		{[]float64{1.2, 0.8, 0.9}, 0.9},
		{[]float64{1.2, 0.8, 1.0, 0.9}, 0.95},
	} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
