// Package kernelwork tallies the kernel's work per block, SwingSet cranks
// and computrons, from the kernel's slog entries as they stream by.
//
// The figures are derived on agd's side from entries the kernel already
// writes (agvm/src/host.js and SwingSet's own slog), so no protocol change
// is needed and the same tally serves agd's metrics and loadgen, which
// reads a node's slog file:
//
//   - a block is the entries from cosmic-swingset-begin-block(H) to
//     cosmic-swingset-commit-block-finish(H);
//   - a crank is one of SwingSet's crank-finish entries (routing or
//     delivery). The host's own "block" crank (agvm.blockHeight) is not
//     SwingSet's work and is left out, so the count equals the `cranks`
//     of the kernel's cosmic-swingset-run-finish;
//   - computrons are the xsnap meter's `compute` of every deliver-result
//     of the block (dr[2].compute), replays of a vat's transcript excluded:
//     what the vats' code really cost. It differs from run-finish's
//     `computrons`, the block budget's accounting, which charges a vat's
//     creation a flat vatCreationComputrons instead of its metered startVat.
package kernelwork

import (
	"bytes"
	"encoding/json"
)

// Block is the work of one block.
type Block struct {
	Height int64
	// Cranks counts SwingSet's cranks (routing and delivery) in the block.
	Cranks int64
	// Computrons sums the metered compute of the block's vat deliveries.
	Computrons uint64
	// Deliveries counts the block's metered vat deliveries (not replays).
	Deliveries int64
}

// Tally turns a stream of slog entries into per-block work. It keeps only
// the block in progress. The zero value is ready; it is not safe for
// concurrent use.
type Tally struct {
	inBlock bool
	cur     Block
}

// The entry types a Tally reads; every other entry is skipped after a
// substring test, without decoding (agd sees every entry of the kernel).
var (
	typeBeginBlock   = []byte(`"cosmic-swingset-begin-block"`)
	typeCommitFinish = []byte(`"cosmic-swingset-commit-block-finish"`)
	typeCrankFinish  = []byte(`"crank-finish"`)
	typeDeliverRes   = []byte(`"deliver-result"`)
)

// entry is the part of an entry a Tally reads.
type entry struct {
	Type        string            `json:"type"`
	BlockHeight *int64            `json:"blockHeight"`
	CrankType   string            `json:"crankType"`
	Replay      bool              `json:"replay"`
	DR          []json.RawMessage `json:"dr"`
}

// meterUsage is a deliver-result's dr[2]: the xsnap meter's report.
type meterUsage struct {
	Compute *uint64 `json:"compute"`
}

// Observe takes one slog entry (one JSON object) and returns the block's
// work when the entry completes a block whose beginning it saw. Entries it
// cannot read, and entries outside a block (the kernel's start, vat
// replays at restart), count for nothing.
func (t *Tally) Observe(raw []byte) (Block, bool) {
	if !mayMatter(raw) {
		return Block{}, false
	}
	var e entry
	if json.Unmarshal(raw, &e) != nil {
		return Block{}, false
	}
	switch e.Type {
	case "cosmic-swingset-begin-block":
		if e.BlockHeight == nil {
			return Block{}, false
		}
		t.inBlock = true
		t.cur = Block{Height: *e.BlockHeight}
	case "cosmic-swingset-commit-block-finish":
		if !t.inBlock || e.BlockHeight == nil || *e.BlockHeight != t.cur.Height {
			t.inBlock = false
			return Block{}, false
		}
		t.inBlock = false
		return t.cur, true
	case "crank-finish":
		if t.inBlock && e.CrankType != "block" {
			t.cur.Cranks++
		}
	case "deliver-result":
		if !t.inBlock || e.Replay || len(e.DR) < 3 {
			return Block{}, false
		}
		var m meterUsage
		if json.Unmarshal(e.DR[2], &m) == nil && m.Compute != nil {
			t.cur.Computrons += *m.Compute
			t.cur.Deliveries++
		}
	}
	return Block{}, false
}

// mayMatter is a cheap test that raw could be one of the entries a Tally
// reads. A vat's syscall can carry these strings as data; the decoded type
// decides.
func mayMatter(raw []byte) bool {
	return bytes.Contains(raw, typeCrankFinish) || bytes.Contains(raw, typeDeliverRes) ||
		bytes.Contains(raw, typeBeginBlock) || bytes.Contains(raw, typeCommitFinish)
}
