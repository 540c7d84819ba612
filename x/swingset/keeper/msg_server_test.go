package keeper_test

import (
	"strings"
	"testing"

	sdkmath "cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/agd-project/agd/x/swingset/types"
	vbanktestutil "github.com/agd-project/agd/x/vbank/testutil"
	vbanktypes "github.com/agd-project/agd/x/vbank/types"
)

// inTx runs fn the way baseapp runs a transaction's messages: on a cached
// store that is written back only if fn succeeds.
func inTx(ctx sdk.Context, fn func(sdk.Context) error) error {
	cacheCtx, write := ctx.CacheContext()
	if err := fn(cacheCtx); err != nil {
		return err
	}
	write()
	return nil
}

func balances(ctx sdk.Context, f *vbanktestutil.Fixture, addr sdk.AccAddress) string {
	return f.Bank.GetAllBalances(ctx, addr).String()
}

func TestDeliverMovesFundsToTheEscrowInTheTx(t *testing.T) {
	ctx, k, srv, sub, f := setupWithBank(t)
	sender := sdk.MustAccAddressFromBech32(sub)
	escrow := authtypes.NewModuleAddress(vbanktypes.ModuleName)
	f.Fund(t, sender, "100ubld,10uist")

	msg := &types.MsgDeliverInbound{Submitter: sub, Target: "v1", Method: "pay", Args: "[]",
		Funds: sdk.NewCoins(sdk.NewInt64Coin("uist", 5), sdk.NewInt64Coin("ubld", 40))}
	if err := inTx(ctx, func(ctx sdk.Context) error {
		_, err := srv.DeliverInbound(ctx, msg)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := balances(ctx, f, sender); got != "60ubld,5uist" {
		t.Fatalf("sender has %s after paying 40ubld,5uist out of 100ubld,10uist", got)
	}
	if got := balances(ctx, f, escrow); got != "40ubld,5uist" {
		t.Fatalf("escrow has %s, want 40ubld,5uist", got)
	}
	raw, err := k.TakeActions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"DELIVER_INBOUND","id":1,"blockHeight":5,"sender":"` + sub +
		`","target":"v1","method":"pay","args":[],"funds":[{"denom":"ubld","amount":"40"},{"denom":"uist","amount":"5"}]}`
	if len(raw) != 1 || string(raw[0]) != want {
		t.Fatalf("action %s\nwant %s", raw, want)
	}
}

// TestDeliverWithTooLittleMovesNothing pays in two denoms, the first of
// which the sender has: the bank may debit it before it finds the second
// short, and the transaction's failure must undo that too.
func TestDeliverWithTooLittleMovesNothing(t *testing.T) {
	ctx, k, srv, sub, f := setupWithBank(t)
	sender := sdk.MustAccAddressFromBech32(sub)
	escrow := authtypes.NewModuleAddress(vbanktypes.ModuleName)
	f.Fund(t, sender, "100ubld,10uist")

	msg := &types.MsgDeliverInbound{Submitter: sub, Target: "v1", Method: "pay", Args: "[]",
		Funds: sdk.NewCoins(sdk.NewInt64Coin("ubld", 50), sdk.NewInt64Coin("uist", 11))}
	err := inTx(ctx, func(ctx sdk.Context) error {
		_, err := srv.DeliverInbound(ctx, msg)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "insufficient funds") || !strings.Contains(err.Error(), "50ubld,11uist") {
		t.Fatalf("delivery paying more than the sender has: %v, want insufficient funds naming 50ubld,11uist", err)
	}
	if got := balances(ctx, f, sender); got != "100ubld,10uist" {
		t.Fatalf("sender has %s after a failed delivery, want 100ubld,10uist", got)
	}
	if got := balances(ctx, f, escrow); got != "" {
		t.Fatalf("escrow has %s after a failed delivery", got)
	}
	if q, _ := k.Queue(ctx, 0); len(q) != 0 {
		t.Fatalf("a failed delivery queued %d actions", len(q))
	}
	if last, _ := k.LastActionID(ctx); last != 0 {
		t.Fatalf("a failed delivery took action id %d", last)
	}
}

func TestDeliverRefusesBadFunds(t *testing.T) {
	ctx, _, srv, sub, f := setupWithBank(t)
	sender := sdk.MustAccAddressFromBech32(sub)
	f.Fund(t, sender, "100ubld,10uist")
	coin := func(denom string, amt int64) sdk.Coin { return sdk.Coin{Denom: denom, Amount: sdkmath.NewInt(amt)} }
	for _, tc := range []struct {
		funds sdk.Coins
		want  string
	}{
		{sdk.Coins{coin("ubld", 0)}, `funds "0ubld": coin 0ubld amount is not positive`},
		{sdk.Coins{coin("ubld", -1)}, `funds "-1ubld": coin -1ubld amount is not positive`},
		{sdk.Coins{coin("uist", 1), coin("ubld", 1)}, `funds "1uist,1ubld": denomination ubld is not sorted`},
		{sdk.Coins{coin("ubld", 1), coin("ubld", 2)}, `funds "1ubld,2ubld": duplicate denomination ubld`},
		{sdk.Coins{coin("1x", 1)}, `funds "11x": invalid denom: 1x`},
		{sdk.Coins{{Denom: "ubld"}}, `funds: coin 0 ("ubld") has no amount`},
	} {
		msg := &types.MsgDeliverInbound{Submitter: sub, Target: "v", Method: "m", Args: "[]", Funds: tc.funds}
		if err := msg.ValidateBasic(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ValidateBasic with funds %v: %v, want %q", tc.funds, err, tc.want)
		}
		if _, err := srv.DeliverInbound(ctx, msg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("DeliverInbound with funds %v: %v, want %q", tc.funds, err, tc.want)
		}
	}
	if got := balances(ctx, f, sender); got != "100ubld,10uist" {
		t.Fatalf("refused deliveries moved funds: sender has %s", got)
	}
}
