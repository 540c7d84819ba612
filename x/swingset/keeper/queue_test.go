package keeper_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/cosmos/cosmos-sdk/runtime"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/agd-project/agd/x/swingset/keeper"
	"github.com/agd-project/agd/x/swingset/types"
	vbanktestutil "github.com/agd-project/agd/x/vbank/testutil"
	vbanktypes "github.com/agd-project/agd/x/vbank/types"
)

// setup returns x/swingset over a real bank keeper whose vbank escrow takes
// deliveries' funds, as the app wires it, and a submitter address.
func setup(t *testing.T) (sdk.Context, keeper.Keeper, types.MsgServer, string) {
	ctx, k, srv, sub, _ := setupWithBank(t)
	return ctx, k, srv, sub
}

func setupWithBank(t *testing.T) (sdk.Context, keeper.Keeper, types.MsgServer, string, *vbanktestutil.Fixture) {
	t.Helper()
	f := vbanktestutil.New(t, types.StoreKey)
	f.Ctx = f.Ctx.WithBlockHeight(5)
	k := keeper.NewKeeper(runtime.NewKVStoreService(f.Stores[types.StoreKey]), f.Bank, vbanktypes.ModuleName)
	if err := k.InitGenesis(f.Ctx, *types.DefaultGenesis()); err != nil {
		t.Fatal(err)
	}
	submitter := sdk.AccAddress(make([]byte, 20)).String()
	return f.Ctx, k, keeper.NewMsgServer(k), submitter, f
}

// counterBundle is bundle-source's output for types/testdata/counter.
func counterBundle(t *testing.T) string {
	t.Helper()
	bz, err := os.ReadFile("../types/testdata/bundle-counter.json")
	if err != nil {
		t.Fatal(err)
	}
	return string(bz)
}

func take(t *testing.T, ctx sdk.Context, k keeper.Keeper) []map[string]any {
	t.Helper()
	raw, err := k.TakeActions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			t.Fatalf("action %d is not a JSON object: %s", i, r)
		}
	}
	return out
}

func TestActionsInOrderWithShapes(t *testing.T) {
	ctx, k, srv, sub := setup(t)
	bundle := counterBundle(t)
	if _, err := srv.InstallBundle(ctx, &types.MsgInstallBundle{Submitter: sub, Bundle: "\n " + bundle + "\n"}); err != nil {
		t.Fatal(err)
	}
	res, err := srv.DeliverInbound(ctx, &types.MsgDeliverInbound{Submitter: sub, Target: "v1", Method: "add", Args: ` [1, {"a": "b"}] `})
	if err != nil {
		t.Fatal(err)
	}
	if res.ActionId != 2 {
		t.Fatalf("second action id %d", res.ActionId)
	}
	raw, err := k.TakeActions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"type":"INSTALL_BUNDLE","id":1,"blockHeight":5,"sender":"` + sub + `","bundle":` + strings.TrimSpace(bundle) + `}`,
		`{"type":"DELIVER_INBOUND","id":2,"blockHeight":5,"sender":"` + sub + `","target":"v1","method":"add","args":[1,{"a":"b"}],"funds":[]}`,
	}
	if len(raw) != 2 || string(raw[0]) != want[0] || string(raw[1]) != want[1] {
		t.Fatalf("actions:\n%s\nwant:\n%s", raw, want)
	}
	if again := take(t, ctx, k); len(again) != 0 {
		t.Fatalf("actions taken twice: %v", again)
	}
}

func TestPerBlockCapKeepsTheRestInOrder(t *testing.T) {
	ctx, k, srv, sub := setup(t)
	p := types.DefaultParams()
	p.MaxActionsPerBlock = 2
	if err := k.SetParams(ctx, p); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if _, err := srv.DeliverInbound(ctx, &types.MsgDeliverInbound{Submitter: sub, Target: "v", Method: "m", Args: "[]"}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []float64
	for block := 0; block < 4; block++ {
		got := take(t, ctx, k)
		if len(got) > 2 {
			t.Fatalf("block %d got %d actions", block, len(got))
		}
		for _, a := range got {
			ids = append(ids, a["id"].(float64))
		}
	}
	if len(ids) != 5 {
		t.Fatalf("ids %v", ids)
	}
	for i, id := range ids {
		if id != float64(i+1) {
			t.Fatalf("ids %v out of order", ids)
		}
	}
}

func TestMessageValidation(t *testing.T) {
	ctx, k, srv, sub := setup(t)
	bundle := counterBundle(t)
	p := types.DefaultParams()
	p.MaxBundleSize = uint64(len(bundle)) - 1
	if err := k.SetParams(ctx, p); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		msg  sdk.Msg
		want string
	}{
		{&types.MsgInstallBundle{Submitter: sub, Bundle: bundle}, "max_bundle_size"},
		{&types.MsgInstallBundle{Submitter: sub}, "bundle: empty"},
		{&types.MsgInstallBundle{Submitter: sub, Bundle: "export default 1;"}, "bundle: not a JSON object"},
		{&types.MsgInstallBundle{Submitter: "nope", Bundle: bundle}, "submitter"},
		{&types.MsgDeliverInbound{Submitter: sub, Target: "v", Method: "m", Args: `"[1]"`}, "args: not a JSON array"},
		{&types.MsgDeliverInbound{Submitter: sub, Target: "v", Method: "m", Args: `{}`}, "args: not a JSON array"},
		{&types.MsgDeliverInbound{Submitter: sub, Target: "v", Method: "m", Args: `null`}, "args: not a JSON array"},
		{&types.MsgDeliverInbound{Submitter: sub, Method: "m", Args: `[]`}, "target"},
		{&types.MsgDeliverInbound{Submitter: sub, Target: "v", Args: `[]`}, "method"},
	} {
		var err error
		switch m := tc.msg.(type) {
		case *types.MsgInstallBundle:
			_, err = srv.InstallBundle(ctx, m)
		case *types.MsgDeliverInbound:
			_, err = srv.DeliverInbound(ctx, m)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.msg, err, tc.want)
		}
	}
	if q, _ := k.Queue(ctx, 0); len(q) != 0 {
		t.Fatalf("invalid messages queued %d actions", len(q))
	}
}

func TestGenesisKeepsTheQueue(t *testing.T) {
	ctx, k, srv, sub := setup(t)
	for i := 0; i < 3; i++ {
		if _, err := srv.DeliverInbound(ctx, &types.MsgDeliverInbound{Submitter: sub, Target: "v", Method: "m", Args: "[]"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := k.SetActivityHash(ctx, "ab"); err != nil {
		t.Fatal(err)
	}
	take(t, ctx, k) // default cap takes all three
	if _, err := srv.DeliverInbound(ctx, &types.MsgDeliverInbound{Submitter: sub, Target: "v", Method: "m", Args: "[2]"}); err != nil {
		t.Fatal(err)
	}
	gs, err := k.ExportGenesis(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := gs.Validate(); err != nil {
		t.Fatal(err)
	}
	if gs.ActivityHash != "ab" || gs.LastActionId != 4 || len(gs.Queue) != 1 || gs.Queue[0].Id != 4 {
		t.Fatalf("exported %+v", gs)
	}
	ctx2, k2, srv2, _ := setup(t)
	if err := k2.InitGenesis(ctx2, *gs); err != nil {
		t.Fatal(err)
	}
	res, err := srv2.DeliverInbound(ctx2, &types.MsgDeliverInbound{Submitter: sub, Target: "v", Method: "m", Args: "[]"})
	if err != nil || res.ActionId != 5 {
		t.Fatalf("next id after import = %v, %v", res, err)
	}
	if got := take(t, ctx2, k2); len(got) != 2 || got[0]["id"].(float64) != 4 {
		t.Fatalf("imported queue: %v", got)
	}
}
