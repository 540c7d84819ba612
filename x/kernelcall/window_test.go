package kernelcall_test

import (
	"context"
	"errors"
	"testing"

	storetypes "cosmossdk.io/store/types"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/agd-project/agd/rpc"
	"github.com/agd-project/agd/x/kernelcall"
	"github.com/agd-project/agd/x/kernelcall/kernelcalltest"
)

type setParams struct {
	Value string `json:"value"`
	Fail  bool   `json:"fail,omitempty"`
	Panic bool   `json:"panic,omitempty"`
}

func TestWindow(t *testing.T) {
	key := storetypes.NewKVStoreKey("test")
	ctx := testutil.DefaultContext(key, storetypes.NewTransientStoreKey("t"))
	w := kernelcall.NewWindow()
	mux := rpc.NewMux()
	kernelcall.Handle(mux, w, "test.Set", func(goCtx context.Context, p setParams) (bool, error) {
		ctx := sdk.UnwrapSDKContext(goCtx)
		ctx.KVStore(key).Set([]byte("k"), []byte(p.Value))
		ctx.EventManager().EmitEvent(sdk.NewEvent("set"))
		if p.Panic {
			panic("store exploded")
		}
		if p.Fail {
			return false, errors.New("refused after writing")
		}
		return true, nil
	})
	kernel := kernelcalltest.Kernel(t, mux)
	call := func(p setParams) error {
		var ok bool
		return kernel.Call(context.Background(), "test.Set", p, &ok)
	}

	var rerr *rpc.Error
	if err := call(setParams{Value: "early"}); !errors.As(err, &rerr) || rerr.Code != rpc.CodeNoBlock {
		t.Fatalf("before Open: %v, want -32002", err)
	}

	w.Open(ctx)
	if !w.IsOpen() {
		t.Fatal("window not open")
	}
	if err := call(setParams{Value: "one"}); err != nil {
		t.Fatal(err)
	}
	if err := call(setParams{Value: "two", Fail: true}); !errors.As(err, &rerr) || rerr.Code != rpc.CodeInternalError {
		t.Fatalf("failing call: %v, want -32603", err)
	}
	if err := call(setParams{Value: "three", Panic: true}); !errors.As(err, &rerr) || rerr.Code != rpc.CodeInternalError {
		t.Fatalf("panicking call: %v, want -32603", err)
	}
	w.Close() // would deadlock if the panic had kept the window's lock

	if got := string(ctx.KVStore(key).Get([]byte("k"))); got != "one" {
		t.Fatalf("store holds %q: a failed call was half-applied", got)
	}
	if n := len(ctx.EventManager().Events()); n != 1 {
		t.Fatalf("%d events reached the block, want the successful call's 1", n)
	}
	if err := call(setParams{Value: "late"}); !errors.As(err, &rerr) || rerr.Code != rpc.CodeNoBlock {
		t.Fatalf("after Close: %v, want -32002", err)
	}
}
