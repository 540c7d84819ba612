package vbank_test

import (
	"context"
	"strings"
	"testing"

	"github.com/agd-project/agd/rpc"
	"github.com/agd-project/agd/x/kernelcall"
	"github.com/agd-project/agd/x/kernelcall/kernelcalltest"
	"github.com/agd-project/agd/x/vbank"
	vbanktestutil "github.com/agd-project/agd/x/vbank/testutil"
	"github.com/agd-project/agd/x/vbank/types"
)

type transfer struct {
	Address string `json:"address"`
	Denom   string `json:"denom"`
	Amount  string `json:"amount"`
}

func TestKernelServices(t *testing.T) {
	f := vbanktestutil.New(t)
	a, aStr := f.Addr(t, 1)
	f.Fund(t, a, "10ubld")
	f.FundEscrow(t, "5ubld")
	f.Flush(t)
	n0, _ := f.Keeper.LastNonce(f.Ctx)

	w := kernelcall.NewWindow()
	mux := rpc.NewMux()
	vbank.RegisterKernelServices(mux, w, f.Keeper)
	kernel := kernelcalltest.Kernel(t, mux)
	ctx := context.Background()
	code := func(err error) int64 {
		t.Helper()
		c, _ := kernelcalltest.Code(t, err)
		return c
	}

	var bal string
	if err := kernel.Call(ctx, "vbank.GetBalance", map[string]string{"address": aStr, "denom": "ubld"}, &bal); code(err) != rpc.CodeNoBlock {
		t.Fatalf("outside the window: %v", err)
	}

	w.Open(f.Ctx)
	if err := kernel.Call(ctx, "vbank.GetBalance", map[string]string{"address": aStr, "denom": "ubld"}, &bal); err != nil || bal != "10" {
		t.Fatalf("GetBalance = %q, %v", bal, err)
	}
	// A missing field is named by the rpc layer.
	err := kernel.Call(ctx, "vbank.GetBalance", map[string]string{"address": aStr}, &bal)
	if code(err) != rpc.CodeInvalidParams || !strings.Contains(err.Error(), "denom") {
		t.Fatalf("missing denom: %v", err)
	}
	err = kernel.Call(ctx, "vbank.Give", transfer{aStr, "ubld", "1.0"}, nil)
	if code(err) != rpc.CodeInvalidParams || !strings.Contains(err.Error(), "amount: ") {
		t.Fatalf("bad amount: %v", err)
	}
	err = kernel.Call(ctx, "vbank.Grab", transfer{"agoric1bad", "ubld", "1"}, nil)
	if code(err) != rpc.CodeInvalidParams || !strings.Contains(err.Error(), "address: ") {
		t.Fatalf("bad address: %v", err)
	}
	err = kernel.Call(ctx, "vbank.Give", transfer{aStr, "ubld", "6"}, nil)
	if code(err) != types.CodeInsufficientFunds || !strings.Contains(err.Error(), "has 5ubld, wants 6ubld") {
		t.Fatalf("give too much: %v", err)
	}

	var up types.BalanceUpdate
	if err := kernel.Call(ctx, "vbank.Grab", transfer{aStr, "ubld", "4"}, &up); err != nil {
		t.Fatal(err)
	}
	if up.Nonce != n0+1 || len(up.Updates) != 1 || up.Updates[0] != (types.Balance{Address: aStr, Denom: "ubld", Amount: "6"}) {
		t.Fatalf("grab = %+v", up)
	}
	w.Close()

	// The failed calls took no nonce and moved nothing.
	if n, _ := f.Keeper.LastNonce(f.Ctx); n != n0+1 {
		t.Fatalf("nonce %d, want %d", n, n0+1)
	}
	if got := f.Bank.GetBalance(f.Ctx, f.Keeper.EscrowAddress(), "ubld").Amount.String(); got != "9" {
		t.Fatalf("escrow holds %s, want 9", got)
	}
	if err := kernel.Call(ctx, "vbank.Grab", transfer{aStr, "ubld", "1"}, &up); code(err) != rpc.CodeNoBlock {
		t.Fatalf("after Close: %v", err)
	}
}
