package vstorage_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	storetypes "cosmossdk.io/store/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/testutil"
	moduletestutil "github.com/cosmos/cosmos-sdk/types/module/testutil"

	"github.com/agd-project/agd/rpc"
	"github.com/agd-project/agd/x/kernelcall"
	"github.com/agd-project/agd/x/kernelcall/kernelcalltest"
	"github.com/agd-project/agd/x/vstorage"
	"github.com/agd-project/agd/x/vstorage/keeper"
	"github.com/agd-project/agd/x/vstorage/types"
)

func TestKernelServices(t *testing.T) {
	key := storetypes.NewKVStoreKey(types.StoreKey)
	ctx := testutil.DefaultContext(key, storetypes.NewTransientStoreKey("t")).WithBlockHeight(3)
	k := keeper.NewKeeper(moduletestutil.MakeTestEncodingConfig().Codec, runtime.NewKVStoreService(key))
	if err := k.SetParams(ctx, types.Params{MaxValueSize: 64}); err != nil {
		t.Fatal(err)
	}
	w := kernelcall.NewWindow()
	mux := rpc.NewMux()
	vstorage.RegisterKernelServices(mux, w, k)
	kernel := kernelcalltest.Kernel(t, mux)
	bg := context.Background()
	call := func(method, params string, result any) error {
		return kernel.Call(bg, method, json.RawMessage(params), result)
	}
	code := func(err error) int64 {
		t.Helper()
		c, _ := kernelcalltest.Code(t, err)
		return c
	}

	var ok bool
	if err := call("vstorage.Set", `{"entries":[["a.b","1"]]}`, &ok); code(err) != rpc.CodeNoBlock {
		t.Fatalf("outside the window: %v", err)
	}
	w.Open(ctx)
	if err := call("vstorage.Set", `{"entries":[["a.b","1"],["a.c",null],["d","x"]]}`, &ok); err != nil || !ok {
		t.Fatalf("Set = %v, %v", ok, err)
	}
	if err := call("vstorage.Append", `{"entries":[["s.t","v1"],["s.t","v2"]]}`, &ok); err != nil {
		t.Fatal(err)
	}
	var got *string
	if err := call("vstorage.Get", `{"path":"s.t"}`, &got); err != nil || got == nil || *got != `{"blockHeight":"3","values":["v1","v2"]}` {
		t.Fatalf("Get = %v, %v", got, err)
	}
	if err := call("vstorage.Get", `{"path":"a"}`, &got); err != nil || got != nil {
		t.Fatalf("Get of a placeholder = %v, %v; want null", got, err)
	}
	var names []string
	if err := call("vstorage.Children", `{"path":""}`, &names); err != nil || strings.Join(names, ",") != "a,d,s" {
		t.Fatalf("Children = %v, %v", names, err)
	}
	var entries json.RawMessage
	if err := call("vstorage.Entries", `{"path":"a"}`, &entries); err != nil || string(entries) != `[["b","1"]]` {
		t.Fatalf("Entries = %s, %v", entries, err)
	}
	var size int
	if err := call("vstorage.Size", `{"path":"s"}`, &size); err != nil || size != 1 {
		t.Fatalf("Size = %d, %v", size, err)
	}

	for _, tc := range []struct{ method, params, names string }{
		{"vstorage.Get", `{"path":"a..b"}`, "path: "},
		{"vstorage.Set", `{"entries":[["ok","1"],["bad path","1"]]}`, "entries[1]: path: "},
		{"vstorage.Set", `{"entries":[["ok","1"],["big","` + strings.Repeat("x", 65) + `"]]}`, "entries[1]: value: "},
		{"vstorage.Append", `{"entries":[["ok","1"],["s",null]]}`, "entries[1]: value: "},
		{"vstorage.Set", `{"entries":[[1,"x"]]}`, "want string"},
	} {
		err := call(tc.method, tc.params, &ok)
		if code(err) != rpc.CodeInvalidParams || !strings.Contains(err.Error(), tc.names) {
			t.Errorf("%s %s: %v, want -32602 naming %q", tc.method, tc.params, err, tc.names)
		}
	}
	w.Close()
	// The refused calls wrote nothing, not even their valid first entry.
	if _, has, _ := k.Get(ctx, "ok"); has {
		t.Fatal("a refused Set was half-applied")
	}
	if err := call("vstorage.Get", `{"path":"a.b"}`, &got); code(err) != rpc.CodeNoBlock {
		t.Fatalf("after Close: %v", err)
	}
}
