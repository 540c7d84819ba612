package keeper_test

import (
	"reflect"
	"testing"

	"github.com/agd-project/agd/x/vbank/keeper"
	vbanktestutil "github.com/agd-project/agd/x/vbank/testutil"
	"github.com/agd-project/agd/x/vbank/types"
)

// The gRPC querier answers the params in force and the nonce of the last
// balance update.
func TestQuerier(t *testing.T) {
	f := vbanktestutil.New(t)
	q := keeper.Querier{Keeper: f.Keeper}
	p, err := q.Params(f.Ctx, &types.QueryParamsRequest{})
	if err != nil || p == nil || !reflect.DeepEqual(p.Params, types.DefaultGenesis().Params) {
		t.Fatalf("Params answered %v, %v; want the default params", p, err)
	}
	a, _ := f.Addr(t, 1)
	f.Fund(t, a, "5ubld")
	f.Flush(t)
	want, err := f.Keeper.LastNonce(f.Ctx)
	if err != nil || want == 0 {
		t.Fatalf("LastNonce %d, %v after a balance update", want, err)
	}
	s, err := q.State(f.Ctx, &types.QueryStateRequest{})
	if err != nil || s == nil || s.LastNonce != want {
		t.Fatalf("State answered %v, %v; want last nonce %d", s, err, want)
	}
}
