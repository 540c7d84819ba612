package main

import (
	"encoding/json"
	"strings"

	"github.com/agd-project/agd/internal/kernelwork"
)

// blockTiming is one block's time split between cosmos and the kernel, read
// from the kernel's slog block markers.
type blockTiming struct {
	Height int64
	// Interval is the time from the previous block's begin to this one's.
	IntervalMs float64
	// CosmosMs is begin-block to end-block-start: cosmos's BeginBlock,
	// the transactions and the other modules' EndBlock.
	CosmosMs float64
	// KernelMs is the kernel's EndBlock plus its commit.
	KernelMs float64
	// Cranks and Computrons are SwingSet's work in the block: its cranks
	// and the metered compute of its vat deliveries (internal/kernelwork,
	// the figures agd's metrics report).
	Cranks     int64
	Computrons uint64
}

// blockClock turns slog entries into block timings. It keeps only the
// markers of the block in progress, so it runs for any length of run.
type blockClock struct {
	work      kernelwork.Tally
	prevBegin float64
	cur       struct {
		height                           int64
		begin, endStart, endFinish, cmtS float64
	}
}

type slogMarker struct {
	Type        string  `json:"type"`
	BlockHeight int64   `json:"blockHeight"`
	Monotime    float64 `json:"monotime"`
}

// observe takes one slog line and returns a timing when it completes a
// block (at commit-block-finish).
func (c *blockClock) observe(line []byte) (blockTiming, bool) {
	typ := kernelwork.EntryType(line)
	work, worked := c.work.ObserveTyped(typ, line)
	// Only the block markers are decoded: most lines are SwingSet's
	// deliveries and syscalls, counted already by the tally.
	if !strings.HasPrefix(typ, "cosmic-swingset-") {
		return blockTiming{}, false
	}
	var e slogMarker
	if err := json.Unmarshal(line, &e); err != nil {
		return blockTiming{}, false
	}
	switch e.Type {
	case "cosmic-swingset-begin-block":
		c.cur.height = e.BlockHeight
		c.cur.begin = e.Monotime
	case "cosmic-swingset-end-block-start":
		c.cur.endStart = e.Monotime
	case "cosmic-swingset-end-block-finish":
		c.cur.endFinish = e.Monotime
	case "cosmic-swingset-commit-block-start":
		c.cur.cmtS = e.Monotime
	case "cosmic-swingset-commit-block-finish":
		if c.cur.height != e.BlockHeight || c.cur.begin == 0 {
			return blockTiming{}, false // started mid-block
		}
		t := blockTiming{
			Height:   e.BlockHeight,
			CosmosMs: 1000 * (c.cur.endStart - c.cur.begin),
			KernelMs: 1000 * ((c.cur.endFinish - c.cur.endStart) + (e.Monotime - c.cur.cmtS)),
		}
		if worked && work.Height == e.BlockHeight {
			t.Cranks, t.Computrons = work.Cranks, work.Computrons
		}
		if c.prevBegin > 0 && c.cur.begin > c.prevBegin {
			t.IntervalMs = 1000 * (c.cur.begin - c.prevBegin)
		}
		c.prevBegin = c.cur.begin
		return t, true
	}
	return blockTiming{}, false
}
