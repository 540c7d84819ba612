package keeper_test

import (
	"strings"
	"testing"

	errorsmod "cosmossdk.io/errors"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/agd-project/agd/x/vstorage/keeper"
	"github.com/agd-project/agd/x/vstorage/types"
)

// A bad path or an oversized value carries x/vstorage's codespace and the
// code of what was wrong, the way x/bank's errors do, and a query for a bad
// path answers gRPC's InvalidArgument with the path's fault in its text.
func TestErrorsCarryRegisteredCodes(t *testing.T) {
	ctx, k := setup(t)
	if err := k.SetParams(ctx, types.Params{MaxValueSize: 4}); err != nil {
		t.Fatal(err)
	}
	q := keeper.Querier{Keeper: k}
	_, dataErr := q.Data(ctx, &types.QueryDataRequest{Path: "a..b"})
	_, childrenErr := q.Children(ctx, &types.QueryChildrenRequest{Path: "a b"})
	for _, c := range []struct {
		name string
		err  error
		want *errorsmod.Error
	}{
		{"empty path", types.ValidatePath(""), types.ErrInvalidPath},
		{"bad segment", types.ValidatePath("a.b!"), types.ErrInvalidPath},
		{"value over max_value_size", k.Set(ctx, "a", ptr("12345")), types.ErrValueTooLarge},
		{"Data query for a bad path", dataErr, types.ErrInvalidPath},
		{"Children query for a bad path", childrenErr, types.ErrInvalidPath},
	} {
		codespace, code, _ := errorsmod.ABCIInfo(c.err, false)
		if codespace != types.ModuleName || code != c.want.ABCICode() {
			t.Errorf("%s: %v has codespace %q code %d, want %q %d", c.name, c.err, codespace, code, types.ModuleName, c.want.ABCICode())
		}
		if s, _ := status.FromError(c.err); s.Code() != codes.InvalidArgument {
			t.Errorf("%s: gRPC code %s, want InvalidArgument", c.name, s.Code())
		}
	}
	if s, _ := status.FromError(dataErr); !strings.Contains(s.Message(), `segment 1 "" is not`) {
		t.Errorf("Data query's message %q does not say what was wrong with the path", s.Message())
	}
}
