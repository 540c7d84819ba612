package keeper

import (
	"context"

	"github.com/agd-project/agd/x/vstorage/types"
)

// Querier serves x/vstorage's gRPC queries.
type Querier struct{ Keeper }

var _ types.QueryServer = Querier{}

// Data returns the value at a path.
func (q Querier) Data(ctx context.Context, req *types.QueryDataRequest) (*types.QueryDataResponse, error) {
	if err := types.ValidateReadPath(req.GetPath()); err != nil {
		return nil, err // ErrInvalidPath: gRPC's InvalidArgument
	}
	v, has, err := q.Get(ctx, req.Path)
	if err != nil {
		return nil, err
	}
	return &types.QueryDataResponse{Value: v, Has: has}, nil
}

// Children returns the names of a path's children.
func (q Querier) Children(ctx context.Context, req *types.QueryChildrenRequest) (*types.QueryChildrenResponse, error) {
	if err := types.ValidateReadPath(req.GetPath()); err != nil {
		return nil, err // ErrInvalidPath: gRPC's InvalidArgument
	}
	c, err := q.Keeper.Children(ctx, req.Path)
	if err != nil {
		return nil, err
	}
	return &types.QueryChildrenResponse{Children: c}, nil
}

// Params returns the module's params.
func (q Querier) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	p, err := q.Keeper.Params(ctx)
	if err != nil {
		return nil, err
	}
	return &types.QueryParamsResponse{Params: p}, nil
}
