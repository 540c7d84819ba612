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
	"strconv"
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

// entry is the part of an entry a Tally reads.
type entry struct {
	Type        string            `json:"type"`
	BlockHeight *int64            `json:"blockHeight"`
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
	return t.ObserveTyped(EntryType(raw), raw)
}

// ObserveTyped is Observe for a caller that has read the entry's type
// already (EntryType), so it is not read twice per entry.
func (t *Tally) ObserveTyped(typ string, raw []byte) (Block, bool) {
	switch typ {
	case "cosmic-swingset-begin-block", "cosmic-swingset-commit-block-finish":
	case "deliver-result":
		if t.inBlock {
			t.deliveryResult(raw)
		}
		return Block{}, false
	case "crank-finish":
		// A fifth of all entries: counted without decoding. Its fields are
		// numbers, hashes and fixed names, so the host's crankType is the
		// only way the text can say "block".
		if t.inBlock && !bytes.Contains(raw, hostCrank) {
			t.cur.Cranks++
		}
		return Block{}, false
	default:
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
	}
	return Block{}, false
}

// deliveryResult adds a deliver-result's metered compute to the block.
// A deliver-result's keys are fixed by SwingSet ({type, crankNum, vatID,
// deliveryNum, replay, dr: [status, problem, meter]}) and a quote inside a
// JSON string is always escaped, so `"replay":true` and `"compute":` can
// only be the entry's replay flag and the meter's compute: they are read
// without decoding the entry, whose meter carries a long timestamps array.
// Anything unexpected after "compute": is decoded instead.
func (t *Tally) deliveryResult(raw []byte) {
	if r := bytes.Index(raw, replayKey); r >= 0 && bytes.HasPrefix(bytes.TrimLeft(raw[r+len(replayKey):], " \t\r\n"), []byte("true")) {
		return
	}
	i := bytes.Index(raw, computeKey)
	if i < 0 {
		return // an unmetered vat: dr[2] is null
	}
	digits := raw[i+len(computeKey):]
	n := 0
	for n < len(digits) && digits[n] >= '0' && digits[n] <= '9' {
		n++
	}
	compute, err := strconv.ParseUint(string(digits[:n]), 10, 64)
	if err != nil || n == len(digits) || (digits[n] != ',' && digits[n] != '}') {
		var e entry
		if json.Unmarshal(raw, &e) != nil || e.Replay || len(e.DR) < 3 {
			return
		}
		var m meterUsage
		if json.Unmarshal(e.DR[2], &m) != nil || m.Compute == nil {
			return
		}
		compute = *m.Compute
	}
	t.cur.Computrons += compute
	t.cur.Deliveries++
}

var (
	replayKey  = []byte(`"replay":`)
	computeKey = []byte(`"compute":`)
)

// hostCrank marks the host's own block crank (agvm/src/host.js blockCrank).
var hostCrank = []byte(`"crankType":"block"`)

// typePrefix is how the kernel's entries begin: SwingSet's slogger and
// agvm's both put the type first.
var typePrefix = []byte(`{"type":"`)

// EntryType is the type of a slog entry, "" if it has none. agd sees every
// entry the kernel writes, so the common shape, type first, is read without
// decoding; any other shape is decoded.
func EntryType(raw []byte) string {
	if rest, ok := bytes.CutPrefix(raw, typePrefix); ok {
		if end := bytes.IndexByte(rest, '"'); end >= 0 && bytes.IndexByte(rest[:end], '\\') < 0 {
			return string(rest[:end])
		}
	}
	var e struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(raw, &e) != nil {
		return ""
	}
	return e.Type
}
