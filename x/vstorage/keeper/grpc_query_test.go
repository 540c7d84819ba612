package keeper_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/agd-project/agd/x/vstorage/keeper"
	"github.com/agd-project/agd/x/vstorage/types"
)

// TestQuerier: the gRPC queries answer what the keeper holds, and refuse a
// malformed path as InvalidArgument (a client's mistake, not a node's fault).
func TestQuerier(t *testing.T) {
	ctx, k := setup(t)
	mustSet(t, ctx, k, "published.a", ptr("1"))
	mustSet(t, ctx, k, "published.b.c", ptr(""))
	q := keeper.Querier{Keeper: k}

	for path, want := range map[string]types.QueryDataResponse{
		"published.a":   {Value: "1", Has: true},
		"published.b.c": {Value: "", Has: true},
		"published.b":   {},
		"nothing":       {},
	} {
		got, err := q.Data(ctx, &types.QueryDataRequest{Path: path})
		if err != nil || got.Value != want.Value || got.Has != want.Has {
			t.Errorf("Data(%q) = %+v, %v; want %+v", path, got, err, want)
		}
	}
	for path, want := range map[string][]string{
		"":          {"published"},
		"published": {"a", "b"},
		"nothing":   nil,
	} {
		got, err := q.Children(ctx, &types.QueryChildrenRequest{Path: path})
		if err != nil || !slices.Equal(got.Children, want) {
			t.Errorf("Children(%q) = %+v, %v; want %q", path, got, err, want)
		}
	}
	p, err := q.Params(ctx, &types.QueryParamsRequest{})
	if err != nil || p.Params != types.DefaultParams() {
		t.Errorf("Params = %+v, %v; want %+v", p, err, types.DefaultParams())
	}

	for _, path := range []string{"a..b", ".a", "a.", "a b"} {
		if _, err := q.Data(ctx, &types.QueryDataRequest{Path: path}); status.Code(err) != codes.InvalidArgument {
			t.Errorf("Data(%q): %v, want InvalidArgument", path, err)
		}
		if _, err := q.Children(ctx, &types.QueryChildrenRequest{Path: path}); status.Code(err) != codes.InvalidArgument {
			t.Errorf("Children(%q): %v, want InvalidArgument", path, err)
		}
	}
}
