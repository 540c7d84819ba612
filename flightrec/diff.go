package flightrec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// volatileFields differ between any two runs of the same block: wall clock
// and monotonic time are for humans, not part of what the kernel computed.
// SwingSet also times its spans ("seconds" on deliver-result, crank-finish,
// ...; "compressSeconds" and the like on heap snapshots): every field named
// "seconds" or ending in "Seconds" is volatile too.
var volatileFields = []string{"time", "monotime", "seconds"}

// localTypes are SwingSet slog entries about this process, not about what
// the kernel computed: a node that restarted brings its vats back (startup,
// transcript replay, snapshot loads) where one that did not has nothing.
// They are skipped, as is every entry marked "replay": true (a delivery or
// syscall re-executed from a transcript).
var localTypes = map[string]bool{
	"kernel-init-start": true, "kernel-init-finish": true,
	"bundle-kernel-start": true, "bundle-kernel-finish": true,
	"import-kernel-start": true, "import-kernel-finish": true,
	"vat-startup-start": true, "vat-startup-finish": true,
	"start-replay": true, "finish-replay": true,
	"heap-snapshot-load": true,
	// An error the kernel could only log (agvm/src/slog.js ERROR_ENTRY):
	// what failed on this node, such as its SLOGFILE.
	"agvm-error": true,
}

// localEntry reports whether an entry says nothing about consensus.
func localEntry(entry json.RawMessage) bool {
	var e struct {
		Type   string `json:"type"`
		Replay bool   `json:"replay"`
	}
	if json.Unmarshal(entry, &e) != nil {
		return false
	}
	return e.Replay || localTypes[e.Type]
}

// Divergence is the first entry where two records disagree.
type Divergence struct {
	Height int64
	// Index is the entry's position among its block's compared entries
	// (local ones, see localEntry, are skipped), from 0.
	Index int
	// Crank, Vat and Delivery are the crankNum, vatID and deliveryNum in
	// force at the entry: its own, or the last ones the block's earlier
	// entries gave. Empty when the slog names none.
	Crank, Vat, Delivery string
	// A and B are the two entries; nil when that side's block ended first.
	A, B json.RawMessage
}

// Comparison is what Diff looked at.
type Comparison struct {
	// Common are the blocks both records hold; only they are compared.
	Common []int64
	// OnlyA and OnlyB are the blocks one side holds and the other lacks.
	OnlyA, OnlyB []int64
}

// Diff compares two records block by block, over the blocks both hold, and
// returns the first entry that differs other than in its time and monotime:
// first is nil when the common blocks agree entirely.
func Diff(a, b []Record) (cmp Comparison, first *Divergence, err error) {
	ba, bb := byBlock(a), byBlock(b)
	for _, h := range sortedKeys(ba) {
		if _, in := bb[h]; in {
			cmp.Common = append(cmp.Common, h)
		} else {
			cmp.OnlyA = append(cmp.OnlyA, h)
		}
	}
	for _, h := range sortedKeys(bb) {
		if _, in := ba[h]; !in {
			cmp.OnlyB = append(cmp.OnlyB, h)
		}
	}
	for _, h := range cmp.Common {
		ea, eb := ba[h], bb[h]
		var ctx entryContext
		for i := 0; i < max(len(ea), len(eb)); i++ {
			var x, y json.RawMessage
			if i < len(ea) {
				x = ea[i]
			}
			if i < len(eb) {
				y = eb[i]
			}
			same, err := sameEntry(x, y)
			if err != nil {
				return cmp, nil, fmt.Errorf("block %d entry %d: %w", h, i, err)
			}
			if x != nil {
				ctx.update(x)
			} else {
				ctx.update(y)
			}
			if !same {
				return cmp, &Divergence{Height: h, Index: i, Crank: ctx.crank, Vat: ctx.vat, Delivery: ctx.delivery, A: x, B: y}, nil
			}
		}
	}
	return cmp, nil, nil
}

func byBlock(recs []Record) map[int64][]json.RawMessage {
	m := map[int64][]json.RawMessage{}
	for _, r := range recs {
		if localEntry(r.Entry) {
			continue
		}
		m[r.Height] = append(m[r.Height], r.Entry)
	}
	return m
}

func sortedKeys(m map[int64][]json.RawMessage) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sameEntry(a, b json.RawMessage) (bool, error) {
	if a == nil || b == nil {
		return a == nil && b == nil, nil
	}
	na, err := Normalize(a)
	if err != nil {
		return false, err
	}
	nb, err := Normalize(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(na, nb), nil
}

// Normalize re-encodes an entry without its volatile fields and with its
// keys sorted, so equal entries have equal bytes.
func Normalize(entry json.RawMessage) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(entry))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode entry: %w", err)
	}
	if obj, ok := v.(map[string]any); ok {
		for _, f := range volatileFields {
			delete(obj, f)
		}
		for k := range obj {
			if strings.HasSuffix(k, "Seconds") {
				delete(obj, k)
			}
		}
	}
	return json.Marshal(v)
}

// entryContext tracks where in the kernel's work an entry falls.
type entryContext struct{ crank, vat, delivery string }

func (c *entryContext) update(entry json.RawMessage) {
	var fields struct {
		CrankNum    any `json:"crankNum"`
		VatID       any `json:"vatID"`
		DeliveryNum any `json:"deliveryNum"`
	}
	if json.Unmarshal(entry, &fields) != nil {
		return
	}
	if fields.CrankNum != nil {
		c.crank = fmt.Sprint(fields.CrankNum)
	}
	if fields.VatID != nil {
		c.vat = fmt.Sprint(fields.VatID)
	}
	if fields.DeliveryNum != nil {
		c.delivery = fmt.Sprint(fields.DeliveryNum)
	}
}
