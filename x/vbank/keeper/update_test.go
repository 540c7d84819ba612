package keeper_test

import (
	"testing"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/agd-project/agd/x/vbank/keeper"
	vbanktestutil "github.com/agd-project/agd/x/vbank/testutil"
	"github.com/agd-project/agd/x/vbank/types"
)

func send(t *testing.T, f *vbanktestutil.Fixture, from, to sdk.AccAddress, coins string) {
	t.Helper()
	amt, err := sdk.ParseCoinsNormalized(coins)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Bank.SendCoins(f.Ctx, from, to, amt); err != nil {
		t.Fatal(err)
	}
}

func TestEndBlockUpdateSortedWithZerosAndNonce(t *testing.T) {
	f := vbanktestutil.New(t)
	a, aStr := f.Addr(t, 1)
	b, bStr := f.Addr(t, 2)
	c, cStr := f.Addr(t, 3)
	f.Fund(t, a, "100ubld,7uist")
	f.Fund(t, c, "1ubld")
	f.Flush(t) // nonce 1
	start, _ := f.Keeper.LastNonce(f.Ctx)

	send(t, f, a, b, "7uist,40ubld")
	send(t, f, c, a, "1ubld") // c drops to zero: still reported

	got, err := f.Keeper.EndBlockUpdate(f.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []types.Balance{
		{Address: aStr, Denom: "ubld", Amount: "61"},
		{Address: aStr, Denom: "uist", Amount: "0"},
		{Address: bStr, Denom: "ubld", Amount: "40"},
		{Address: bStr, Denom: "uist", Amount: "7"},
		{Address: cStr, Denom: "ubld", Amount: "0"},
	}
	types.SortBalances(want) // by bech32 string, not by address bytes
	if got == nil || got.Nonce != start+1 {
		t.Fatalf("update %+v, want nonce %d", got, start+1)
	}
	if len(got.Updates) != len(want) {
		t.Fatalf("updates %+v, want %+v", got.Updates, want)
	}
	for i := range want {
		if got.Updates[i] != want[i] {
			t.Errorf("update[%d] = %+v, want %+v", i, got.Updates[i], want[i])
		}
	}

	// Nothing changed since: no update, and no nonce taken.
	again, err := f.Keeper.EndBlockUpdate(f.Ctx)
	if err != nil || again != nil {
		t.Fatalf("second update = %+v, %v; want nil", again, err)
	}
	if n, _ := f.Keeper.LastNonce(f.Ctx); n != start+1 {
		t.Fatalf("nonce %d after an empty block, want %d", n, start+1)
	}

	send(t, f, b, a, "1ubld")
	next, err := f.Keeper.EndBlockUpdate(f.Ctx)
	if err != nil || next == nil || next.Nonce != start+2 {
		t.Fatalf("third update = %+v, %v; want nonce %d", next, err, start+2)
	}
}

func TestEndBlockUpdateMonitoredAddresses(t *testing.T) {
	f := vbanktestutil.New(t)
	a, aStr := f.Addr(t, 1)
	b, _ := f.Addr(t, 2)
	c, _ := f.Addr(t, 3)
	f.Fund(t, a, "10ubld")
	f.Flush(t)
	if err := f.Keeper.SetParams(f.Ctx, types.Params{MonitoredAddresses: []string{aStr}}); err != nil {
		t.Fatal(err)
	}
	before, _ := f.Keeper.LastNonce(f.Ctx)

	send(t, f, a, b, "1ubld")
	got, err := f.Keeper.EndBlockUpdate(f.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || len(got.Updates) != 1 || got.Updates[0].Address != aStr || got.Updates[0].Amount != "9" {
		t.Fatalf("update %+v, want only %s's 9ubld", got, aStr)
	}

	send(t, f, b, c, "1ubld") // neither watched
	got, err = f.Keeper.EndBlockUpdate(f.Ctx)
	if err != nil || got != nil {
		t.Fatalf("unwatched update = %+v, %v; want nil", got, err)
	}
	if n, _ := f.Keeper.LastNonce(f.Ctx); n != before+1 {
		t.Fatalf("nonce %d, want %d", n, before+1)
	}
}

func TestParamsValidate(t *testing.T) {
	_, addr := vbanktestutil.New(t).Addr(t, 1)
	for _, tc := range []struct {
		name string
		p    types.Params
		ok   bool
	}{
		{"default", types.DefaultParams(), true},
		{"none", types.Params{}, true},
		{"address", types.Params{MonitoredAddresses: []string{addr}}, true},
		{"star with others", types.Params{MonitoredAddresses: []string{"*", addr}}, false},
		{"garbage", types.Params{MonitoredAddresses: []string{"agoric1nope"}}, false},
	} {
		if err := tc.p.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestGenesisRoundTrip(t *testing.T) {
	f := vbanktestutil.New(t)
	a, aStr := f.Addr(t, 1)
	f.Fund(t, a, "1ubld")
	f.Flush(t)
	gs := types.GenesisState{Params: types.Params{MonitoredAddresses: []string{aStr}}, LastNonce: 41}
	if err := f.Keeper.InitGenesis(f.Ctx, gs); err != nil {
		t.Fatal(err)
	}
	got, err := f.Keeper.ExportGenesis(f.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.LastNonce != 41 || len(got.Params.MonitoredAddresses) != 1 || got.Params.MonitoredAddresses[0] != aStr {
		t.Fatalf("exported %+v, want %+v", got, gs)
	}
}

func TestTrackingBankRecordsDelegationsAndBurns(t *testing.T) {
	f := vbanktestutil.New(t)
	a, aStr := f.Addr(t, 1)
	f.Fund(t, a, "10ubld")
	f.Flush(t)
	tb := keeper.NewTrackingBank(f.Bank, f.Keeper)
	if err := tb.DelegateCoinsFromAccountToModule(f.Ctx, a, vbanktestutil.Faucet, sdk.NewCoins(sdk.NewInt64Coin("ubld", 4))); err != nil {
		t.Fatal(err)
	}
	up, err := f.Keeper.EndBlockUpdate(f.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, b := range up.Updates {
		if b.Address == aStr && b.Amount == "6" {
			found = true
		}
	}
	if !found || len(up.Updates) != 2 {
		t.Fatalf("update %+v, want %s at 6ubld and the module account", up, aStr)
	}
	if err := tb.BurnCoins(f.Ctx, vbanktestutil.Faucet, sdk.NewCoins(sdk.NewInt64Coin("ubld", 4))); err != nil {
		t.Fatal(err)
	}
	up, err = f.Keeper.EndBlockUpdate(f.Ctx)
	if err != nil || up == nil || len(up.Updates) != 1 || up.Updates[0].Amount != "0" {
		t.Fatalf("after burn: %+v, %v", up, err)
	}
}
