package keeper_test

import (
	"encoding/json"
	"testing"

	"github.com/agd-project/agd/x/vstorage/keeper"
)

// TestEntryJSON: an entry is [path, value] or [path, null]; [path] alone
// reads as null; anything else is refused.
func TestEntryJSON(t *testing.T) {
	for in, want := range map[string]string{`["a","v"]`: `["a","v"]`, `["a",null]`: `["a",null]`, `["a"]`: `["a",null]`, `["a",""]`: `["a",""]`} {
		var e keeper.Entry
		if err := json.Unmarshal([]byte(in), &e); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if out, _ := json.Marshal(e); string(out) != want {
			t.Errorf("%s reads and writes back as %s, want %s", in, out, want)
		}
	}
	for _, in := range []string{`[]`, `[null]`, `[null,"v"]`, `["a","v","w"]`, `{"a":"v"}`, `"a"`, `[1]`} {
		var e keeper.Entry
		if err := json.Unmarshal([]byte(in), &e); err == nil {
			t.Errorf("%s: read as %+v, want an error", in, e)
		}
	}
}

// TestKernelReads: the kernel's read calls answer what the store holds, and
// refuse a malformed path as invalid params.
func TestKernelReads(t *testing.T) {
	ctx, k := setup(t)
	mustSet(t, ctx, k, "p.a", ptr("1"))
	mustSet(t, ctx, k, "p.b.c", ptr(""))
	mustSet(t, ctx, k, "q", ptr("root-level"))
	get := func(path string) string {
		v, err := k.KernelGet(ctx, keeper.PathRequest{Path: path})
		if err != nil {
			t.Fatalf("KernelGet(%q): %v", path, err)
		}
		if v == nil {
			return "<nil>"
		}
		return *v
	}
	for path, want := range map[string]string{"p.a": "1", "p.b.c": "", "p.b": "<nil>", "nothing": "<nil>"} {
		if got := get(path); got != want {
			t.Errorf("KernelGet(%q) = %q, want %q", path, got, want)
		}
		has, err := k.KernelHas(ctx, keeper.PathRequest{Path: path})
		if err != nil || has != (want != "<nil>") {
			t.Errorf("KernelHas(%q) = %v, %v", path, has, err)
		}
	}
	for path, want := range map[string]string{"p": `[["a","1"],["b",null]]`, "": `[["p",null],["q","root-level"]]`, "p.b": `[["c",""]]`, "nothing": `[]`} {
		entries, err := k.KernelEntries(ctx, keeper.PathRequest{Path: path})
		out, _ := json.Marshal(entries)
		if err != nil || string(out) != want {
			t.Errorf("KernelEntries(%q) = %s, %v; want %s", path, out, err, want)
		}
		n, err := k.KernelSize(ctx, keeper.PathRequest{Path: path})
		if listed := []keeper.Entry{}; err != nil || json.Unmarshal([]byte(want), &listed) != nil || n != len(listed) {
			t.Errorf("KernelSize(%q) = %d, %v", path, n, err)
		}
	}
	for _, bad := range []string{"a..b", ".a", "a."} {
		req := keeper.PathRequest{Path: bad}
		if _, err := k.KernelGet(ctx, req); err == nil {
			t.Errorf("KernelGet(%q): no error", bad)
		}
		if _, err := k.KernelHas(ctx, req); err == nil {
			t.Errorf("KernelHas(%q): no error", bad)
		}
		if _, err := k.KernelChildren(ctx, req); err == nil {
			t.Errorf("KernelChildren(%q): no error", bad)
		}
		if _, err := k.KernelEntries(ctx, req); err == nil {
			t.Errorf("KernelEntries(%q): no error", bad)
		}
	}
}
