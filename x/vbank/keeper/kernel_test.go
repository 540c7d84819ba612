package keeper_test

import (
	"strings"
	"testing"

	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"

	"github.com/agd-project/agd/rpc"
	"github.com/agd-project/agd/x/kernelcall/kernelcalltest"
	"github.com/agd-project/agd/x/vbank/keeper"
	vbanktestutil "github.com/agd-project/agd/x/vbank/testutil"
	"github.com/agd-project/agd/x/vbank/types"
)

func TestGiveGrabEscrow(t *testing.T) {
	f := vbanktestutil.New(t)
	a, aStr := f.Addr(t, 1)
	f.Fund(t, a, "100ubld")
	f.FundEscrow(t, "50uist")
	f.Flush(t)
	n0, _ := f.Keeper.LastNonce(f.Ctx)

	up, err := f.Keeper.Give(f.Ctx, keeper.TransferRequest{Address: aStr, Denom: "uist", Amount: "20"})
	if err != nil {
		t.Fatal(err)
	}
	if up.Nonce != n0+1 || len(up.Updates) != 1 || up.Updates[0] != (types.Balance{Address: aStr, Denom: "uist", Amount: "20"}) {
		t.Fatalf("give = %+v", up)
	}
	if got := f.Bank.GetBalance(f.Ctx, f.Keeper.EscrowAddress(), "uist").Amount.String(); got != "30" {
		t.Fatalf("escrow holds %s uist, want 30", got)
	}

	up, err = f.Keeper.Grab(f.Ctx, keeper.TransferRequest{Address: aStr, Denom: "ubld", Amount: "100"})
	if err != nil {
		t.Fatal(err)
	}
	if up.Nonce != n0+2 || up.Updates[0] != (types.Balance{Address: aStr, Denom: "ubld", Amount: "0"}) {
		t.Fatalf("grab = %+v", up)
	}
	if got := f.Bank.GetBalance(f.Ctx, f.Keeper.EscrowAddress(), "ubld").Amount.String(); got != "100" {
		t.Fatalf("escrow holds %s ubld, want 100", got)
	}

	bal, err := f.Keeper.GetBalance(f.Ctx, keeper.BalanceRequest{Address: aStr, Denom: "uist"})
	if err != nil || bal != "20" {
		t.Fatalf("GetBalance = %q, %v; want 20", bal, err)
	}
	// A zero move is valid and reports the balance.
	up, err = f.Keeper.Give(f.Ctx, keeper.TransferRequest{Address: aStr, Denom: "uist", Amount: "0"})
	if err != nil || up.Updates[0].Amount != "20" {
		t.Fatalf("give 0 = %+v, %v", up, err)
	}
}

func TestInsufficientFundsNamesBothAmounts(t *testing.T) {
	f := vbanktestutil.New(t)
	a, aStr := f.Addr(t, 1)
	f.Fund(t, a, "5ubld")
	f.FundEscrow(t, "3uist")

	_, err := f.Keeper.Grab(f.Ctx, keeper.TransferRequest{Address: aStr, Denom: "ubld", Amount: "6"})
	code, msg := kernelcalltest.Code(t, err)
	if code != types.CodeInsufficientFunds || !strings.Contains(msg, "has 5ubld") || !strings.Contains(msg, "wants 6ubld") {
		t.Errorf("grab: %d %q", code, msg)
	}
	_, err = f.Keeper.Give(f.Ctx, keeper.TransferRequest{Address: aStr, Denom: "uist", Amount: "4"})
	code, msg = kernelcalltest.Code(t, err)
	if code != types.CodeInsufficientFunds || !strings.Contains(msg, "has 3uist") || !strings.Contains(msg, "wants 4uist") {
		t.Errorf("give: %d %q", code, msg)
	}
}

func TestValidationNamesTheField(t *testing.T) {
	f := vbanktestutil.New(t)
	_, aStr := f.Addr(t, 1)
	a, _ := f.Addr(t, 1)
	cosmos, err := addresscodec.Bech32Codec{Bech32Prefix: "cosmos"}.BytesToString(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		req   keeper.TransferRequest
		field string
	}{
		{keeper.TransferRequest{Address: "", Denom: "ubld", Amount: "1"}, "address: "},
		{keeper.TransferRequest{Address: "agoric1xyz", Denom: "ubld", Amount: "1"}, "address: "},
		{keeper.TransferRequest{Address: cosmos, Denom: "ubld", Amount: "1"}, "address: "},
		{keeper.TransferRequest{Address: aStr, Denom: "u", Amount: "1"}, "denom: "},
		{keeper.TransferRequest{Address: aStr, Denom: "ubld", Amount: ""}, "amount: "},
		{keeper.TransferRequest{Address: aStr, Denom: "ubld", Amount: "-1"}, "amount: "},
		{keeper.TransferRequest{Address: aStr, Denom: "ubld", Amount: "01"}, "amount: "},
		{keeper.TransferRequest{Address: aStr, Denom: "ubld", Amount: "1.5"}, "amount: "},
		{keeper.TransferRequest{Address: aStr, Denom: "ubld", Amount: " 1"}, "amount: "},
		{keeper.TransferRequest{Address: aStr, Denom: "ubld", Amount: "1e3"}, "amount: "},
		{keeper.TransferRequest{Address: aStr, Denom: "ubld", Amount: "1" + strings.Repeat("0", 80)}, "amount: "},
	} {
		for name, call := range map[string]func(keeper.TransferRequest) (*types.BalanceUpdate, error){
			"give": func(r keeper.TransferRequest) (*types.BalanceUpdate, error) { return f.Keeper.Give(f.Ctx, r) },
			"grab": func(r keeper.TransferRequest) (*types.BalanceUpdate, error) { return f.Keeper.Grab(f.Ctx, r) },
		} {
			_, err := call(tc.req)
			code, msg := kernelcalltest.Code(t, err)
			if code != rpc.CodeInvalidParams || !strings.HasPrefix(msg, tc.field) {
				t.Errorf("%s %+v: %d %q, want -32602 starting %q", name, tc.req, code, msg, tc.field)
			}
		}
	}
	_, err = f.Keeper.GetBalance(f.Ctx, keeper.BalanceRequest{Address: "x", Denom: "ubld"})
	if code, msg := kernelcalltest.Code(t, err); code != rpc.CodeInvalidParams || !strings.HasPrefix(msg, "address: ") {
		t.Errorf("GetBalance: %d %q", code, msg)
	}
}
