package keeper

import (
	"context"

	"github.com/agd-project/agd/x/vbank/types"
)

// Querier serves x/vbank's gRPC queries.
type Querier struct{ Keeper }

var _ types.QueryServer = Querier{}

// Params returns the module's params.
func (q Querier) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	p, err := q.Keeper.Params(ctx)
	if err != nil {
		return nil, err
	}
	return &types.QueryParamsResponse{Params: p}, nil
}

// State returns the nonce of the last balance update.
func (q Querier) State(ctx context.Context, _ *types.QueryStateRequest) (*types.QueryStateResponse, error) {
	n, err := q.LastNonce(ctx)
	if err != nil {
		return nil, err
	}
	return &types.QueryStateResponse{LastNonce: n}, nil
}
