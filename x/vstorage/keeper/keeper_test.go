package keeper_test

import (
	"errors"
	"strings"
	"testing"

	storetypes "cosmossdk.io/store/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	moduletestutil "github.com/cosmos/cosmos-sdk/types/module/testutil"

	"github.com/agd-project/agd/rpc"
	"github.com/agd-project/agd/x/vstorage/keeper"
	"github.com/agd-project/agd/x/vstorage/types"
)

func setup(tb testing.TB) (sdk.Context, keeper.Keeper) {
	tb.Helper()
	key := storetypes.NewKVStoreKey(types.StoreKey)
	ctx := testutil.DefaultContext(key, storetypes.NewTransientStoreKey("t")).WithBlockHeight(7)
	k := keeper.NewKeeper(moduletestutil.MakeTestEncodingConfig().Codec, runtime.NewKVStoreService(key))
	if err := k.InitGenesis(ctx, *types.DefaultGenesis()); err != nil {
		tb.Fatal(err)
	}
	return ctx, k
}

func ptr(s string) *string { return &s }

func mustSet(t *testing.T, ctx sdk.Context, k keeper.Keeper, path string, v *string) {
	t.Helper()
	if err := k.Set(ctx, path, v); err != nil {
		t.Fatal(err)
	}
}

func children(t *testing.T, ctx sdk.Context, k keeper.Keeper, path string) string {
	t.Helper()
	c, err := k.Children(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(c, ",")
}

func TestChildrenOfIntermediatePaths(t *testing.T) {
	ctx, k := setup(t)
	mustSet(t, ctx, k, "published.wallet.agoric1x", ptr("w"))
	mustSet(t, ctx, k, "published.amm", ptr(""))
	mustSet(t, ctx, k, "published.wallet.agoric1y.current", ptr("c"))

	for path, want := range map[string]string{
		"":                          "published",
		"published":                 "amm,wallet",
		"published.wallet":          "agoric1x,agoric1y",
		"published.wallet.agoric1y": "current",
		"published.amm":             "",
		"nothing":                   "",
	} {
		if got := children(t, ctx, k, path); got != want {
			t.Errorf("Children(%q) = %q, want %q", path, got, want)
		}
	}
	// Intermediate paths hold no value; "" is a value.
	if _, has, _ := k.Get(ctx, "published.wallet"); has {
		t.Error("placeholder published.wallet reads as a value")
	}
	if v, has, _ := k.Get(ctx, "published.amm"); !has || v != "" {
		t.Errorf("published.amm = %q, %v; want the empty string", v, has)
	}

	// Deleting the deep leaf prunes its placeholder parent, not the rest.
	mustSet(t, ctx, k, "published.wallet.agoric1y.current", nil)
	if got := children(t, ctx, k, "published.wallet"); got != "agoric1x" {
		t.Errorf("after delete: children = %q", got)
	}
	mustSet(t, ctx, k, "published.wallet.agoric1x", nil)
	if got := children(t, ctx, k, "published"); got != "amm" {
		t.Errorf("after deleting the last wallet: children = %q", got)
	}
	// Deleting a path with children keeps the children reachable.
	mustSet(t, ctx, k, "a", ptr("1"))
	mustSet(t, ctx, k, "a.b", ptr("2"))
	mustSet(t, ctx, k, "a", nil)
	if _, has, _ := k.Get(ctx, "a"); has {
		t.Error("a still holds a value")
	}
	if got := children(t, ctx, k, "a"); got != "b" {
		t.Errorf("children of a = %q", got)
	}
	// A valued ancestor survives its last child's delete.
	mustSet(t, ctx, k, "published.amm.pool", ptr("p"))
	mustSet(t, ctx, k, "published.amm.pool", nil)
	if v, has, _ := k.Get(ctx, "published.amm"); !has || v != "" {
		t.Errorf("published.amm = %q, %v after its child went", v, has)
	}
}

func TestPathValidation(t *testing.T) {
	for _, p := range []string{"", ".", "a.", ".a", "a..b", "a b", "a/b", "é", "a.b*"} {
		if err := types.ValidatePath(p); err == nil {
			t.Errorf("ValidatePath(%q) = nil", p)
		}
	}
	for _, p := range []string{"a", "A-b_0.c", "published.wallet.agoric1x"} {
		if err := types.ValidatePath(p); err != nil {
			t.Errorf("ValidatePath(%q) = %v", p, err)
		}
	}
}

func TestAppendCellsPerBlock(t *testing.T) {
	ctx, k := setup(t)
	for _, v := range []string{"x", "y"} {
		if err := k.Append(ctx, "s", v); err != nil {
			t.Fatal(err)
		}
	}
	if v, _, _ := k.Get(ctx, "s"); v != `{"blockHeight":"7","values":["x","y"]}` {
		t.Errorf("cell = %s", v)
	}
	ctx = ctx.WithBlockHeight(8)
	if err := k.Append(ctx, "s", "z"); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := k.Get(ctx, "s"); v != `{"blockHeight":"8","values":["z"]}` {
		t.Errorf("next block's cell = %s", v)
	}
	// A plain value is replaced by a cell.
	mustSet(t, ctx, k, "p", ptr("plain"))
	if err := k.Append(ctx, "p", "v"); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := k.Get(ctx, "p"); v != `{"blockHeight":"8","values":["v"]}` {
		t.Errorf("cell over a plain value = %s", v)
	}
}

func TestMaxValueSize(t *testing.T) {
	ctx, k := setup(t)
	if err := k.SetParams(ctx, types.Params{MaxValueSize: 40}); err != nil {
		t.Fatal(err)
	}
	if err := k.Set(ctx, "a", ptr(strings.Repeat("x", 40))); err != nil {
		t.Fatal(err)
	}
	if err := k.Set(ctx, "a", ptr(strings.Repeat("x", 41))); !errors.Is(err, types.ErrValueTooLarge) {
		t.Fatalf("41 bytes: %v", err)
	}
	// The cell counts, not just the appended value.
	if err := k.Append(ctx, "s", "0123"); err != nil {
		t.Fatal(err)
	}
	if err := k.Append(ctx, "s", "0123"); !errors.Is(err, types.ErrValueTooLarge) {
		t.Fatalf("cell over the limit: %v", err)
	}
}

// TestKernelSetIsAllOrNothing runs KernelSet and KernelAppend on the context
// it then reads, with no cache between: a refused request must have written
// nothing itself, not rely on a caller discarding its writes.
func TestKernelSetIsAllOrNothing(t *testing.T) {
	ctx, k := setup(t)
	if err := k.SetParams(ctx, types.Params{MaxValueSize: 50}); err != nil {
		t.Fatal(err)
	}
	refused := func(what string, err error, prefix string) {
		t.Helper()
		var rerr *rpc.Error
		if !errors.As(err, &rerr) || rerr.Code != rpc.CodeInvalidParams || !strings.HasPrefix(rerr.Message, prefix) {
			t.Fatalf("%s = %v, want -32602 %q...", what, err, prefix)
		}
	}
	unwritten := func(what string, paths ...string) {
		t.Helper()
		for _, path := range paths {
			if v, has, err := k.Get(ctx, path); err != nil || has {
				t.Fatalf("%s: %q holds %q (has %v, err %v); a refused request wrote it", what, path, v, has, err)
			}
		}
		if children, err := k.Children(ctx, ""); err != nil || len(children) != 0 {
			t.Fatalf("%s: root has children %q (err %v)", what, children, err)
		}
	}

	_, err := k.KernelSet(ctx, keeper.EntriesRequest{Entries: []keeper.Entry{
		{Path: "a", Value: ptr("ok")},
		{Path: "x.b", Value: ptr(strings.Repeat("y", 51))},
	}})
	refused("KernelSet, value too long", err, "entries[1]: value: ")
	unwritten("KernelSet, value too long", "a", "x", "x.b")

	_, err = k.KernelSet(ctx, keeper.EntriesRequest{Entries: []keeper.Entry{{Path: "a", Value: ptr("1")}, {Path: "b..c"}}})
	refused("KernelSet, bad path", err, "entries[1]: path: ")
	unwritten("KernelSet, bad path", "a")

	// Each append alone fits (a 43-byte cell); the second makes it 56 bytes.
	_, err = k.KernelAppend(ctx, keeper.EntriesRequest{Entries: []keeper.Entry{
		{Path: "s", Value: ptr("0123456789")},
		{Path: "s", Value: ptr("0123456789")},
	}})
	refused("KernelAppend, cell too long", err, "entries[1]: value: ")
	unwritten("KernelAppend, cell too long", "s")

	// What fits is written, so the checks above could have seen a write.
	if _, err := k.KernelSet(ctx, keeper.EntriesRequest{Entries: []keeper.Entry{{Path: "a", Value: ptr("ok")}}}); err != nil {
		t.Fatal(err)
	}
	if v, has, err := k.Get(ctx, "a"); err != nil || !has || v != "ok" {
		t.Fatalf("a = %q, %v, %v after an accepted KernelSet", v, has, err)
	}
}

func TestGenesisRoundTrip(t *testing.T) {
	ctx, k := setup(t)
	gs := types.GenesisState{Params: types.Params{MaxValueSize: 99}, Data: []types.DataEntry{
		{Path: "a", Value: "1"}, {Path: "a.b.c", Value: ""}, {Path: "z", Value: "26"},
	}}
	if err := gs.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := k.InitGenesis(ctx, gs); err != nil {
		t.Fatal(err)
	}
	got, err := k.ExportGenesis(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Export is in key order: by depth, then path.
	want := []types.DataEntry{{Path: "a", Value: "1"}, {Path: "z", Value: "26"}, {Path: "a.b.c", Value: ""}}
	if got.Params.MaxValueSize != 99 || len(got.Data) != len(want) {
		t.Fatalf("exported %+v", got)
	}
	for i := range want {
		if got.Data[i] != want[i] {
			t.Errorf("data[%d] = %+v, want %+v", i, got.Data[i], want[i])
		}
	}
}

func TestEventsNameThePath(t *testing.T) {
	ctx, k := setup(t)
	ctx = ctx.WithEventManager(sdk.NewEventManager())
	mustSet(t, ctx, k, "a.b", ptr("v"))
	mustSet(t, ctx, k, "a.b", nil)
	evs := ctx.EventManager().Events()
	if len(evs) != 2 {
		t.Fatalf("%d events", len(evs))
	}
	for i, op := range []string{"set", "delete"} {
		attrs := map[string]string{}
		for _, a := range evs[i].Attributes {
			attrs[a.Key] = a.Value
		}
		if evs[i].Type != types.EventTypeStateChange || attrs["path"] != "a.b" || attrs["op"] != op {
			t.Errorf("event %d = %+v", i, evs[i])
		}
	}
}
