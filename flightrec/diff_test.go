package flightrec

import (
	"encoding/json"
	"slices"
	"testing"
)

func records(h int64, entries ...string) []Record {
	var out []Record
	for _, e := range entries {
		out = append(out, Record{Height: h, Entry: json.RawMessage(e)})
	}
	return out
}

// TestDiffBlockEndsFirst: when one side's block ends first, the divergence
// is the first entry past its end, with that side's entry nil, whichever
// side is the shorter; the blocks only one side holds are listed, not
// compared.
func TestDiffBlockEndsFirst(t *testing.T) {
	short := append(records(2, `{"type":"a"}`), records(1, `{"type":"only-in-short"}`)...)
	long := append(records(2, `{"type":"a"}`, `{"type":"b","crankNum":4}`), records(3, `{"type":"x"}`)...)
	for _, c := range []struct {
		a, b   []Record
		onlyA  []int64
		onlyB  []int64
		aIsNil bool
	}{
		{short, long, []int64{1}, []int64{3}, true},
		{long, short, []int64{3}, []int64{1}, false},
	} {
		cmp, d, err := Diff(c.a, c.b)
		if err != nil || d == nil {
			t.Fatalf("Diff: %+v, %v", d, err)
		}
		if d.Height != 2 || d.Index != 1 || (d.A == nil) != c.aIsNil || (d.B == nil) == c.aIsNil || d.Crank != "4" {
			t.Fatalf("divergence %+v (A nil: %v), want block 2 entry 1 crank 4, A nil %v", d, d.A == nil, c.aIsNil)
		}
		if !slices.Equal(cmp.Common, []int64{2}) || !slices.Equal(cmp.OnlyA, c.onlyA) || !slices.Equal(cmp.OnlyB, c.onlyB) {
			t.Fatalf("comparison %+v", cmp)
		}
	}
}

// TestDiffContextIsSideA: at a divergence, crank, vat and delivery are those
// in force on side A (the record under study), its own entry's first.
func TestDiffContextIsSideA(t *testing.T) {
	a := records(5, `{"type":"crank-start","crankNum":7,"vatID":"v2","deliveryNum":3}`, `{"type":"deliver","crankNum":8}`)
	b := records(5, `{"type":"crank-start","crankNum":7,"vatID":"v2","deliveryNum":3}`, `{"type":"deliver","crankNum":9,"vatID":"v9","deliveryNum":1}`)
	_, d, err := Diff(a, b)
	if err != nil || d == nil {
		t.Fatalf("Diff: %+v, %v", d, err)
	}
	if d.Index != 1 || d.Crank != "8" || d.Vat != "v2" || d.Delivery != "3" {
		t.Fatalf("divergence %+v, want entry 1 at crank 8, vat v2, delivery 3", d)
	}
}
