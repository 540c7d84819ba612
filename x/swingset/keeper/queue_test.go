package keeper_test

import (
	"encoding/json"
	"strings"
	"testing"

	storetypes "cosmossdk.io/store/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/agd-project/agd/x/swingset/keeper"
	"github.com/agd-project/agd/x/swingset/types"
)

func setup(t *testing.T) (sdk.Context, keeper.Keeper, types.MsgServer, string) {
	t.Helper()
	key := storetypes.NewKVStoreKey(types.StoreKey)
	ctx := testutil.DefaultContext(key, storetypes.NewTransientStoreKey("t")).WithBlockHeight(5)
	k := keeper.NewKeeper(runtime.NewKVStoreService(key))
	if err := k.InitGenesis(ctx, *types.DefaultGenesis()); err != nil {
		t.Fatal(err)
	}
	submitter := sdk.AccAddress(make([]byte, 20)).String()
	return ctx, k, keeper.NewMsgServer(k), submitter
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
	if _, err := srv.InstallBundle(ctx, &types.MsgInstallBundle{Submitter: sub, Bundle: "export default 1;"}); err != nil {
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
		`{"type":"INSTALL_BUNDLE","id":1,"blockHeight":5,"sender":"` + sub + `","bundle":"export default 1;","bundleHash":"`,
		`{"type":"DELIVER_INBOUND","id":2,"blockHeight":5,"sender":"` + sub + `","target":"v1","method":"add","args":[1,{"a":"b"}]}`,
	}
	if len(raw) != 2 || !strings.HasPrefix(string(raw[0]), want[0]) || string(raw[1]) != want[1] {
		t.Fatalf("actions:\n%s\nwant:\n%s", raw, want)
	}
	if again := take(t, ctx, k); len(again) != 0 {
		t.Fatalf("actions taken twice: %v", again)
	}
}

func TestPerBlockCapKeepsTheRestInOrder(t *testing.T) {
	ctx, k, srv, sub := setup(t)
	if err := k.SetParams(ctx, types.Params{MaxBundleSize: 100, MaxActionsPerBlock: 2}); err != nil {
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
	if err := k.SetParams(ctx, types.Params{MaxBundleSize: 4, MaxActionsPerBlock: 1}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		msg  sdk.Msg
		want string
	}{
		{&types.MsgInstallBundle{Submitter: sub, Bundle: "12345"}, "max_bundle_size"},
		{&types.MsgInstallBundle{Submitter: sub}, "bundle: empty"},
		{&types.MsgInstallBundle{Submitter: "nope", Bundle: "1"}, "submitter"},
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
