package keeper

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/agd-project/agd/x/swingset/types"
)

// Querier serves x/swingset's gRPC queries.
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

// ActivityHash returns the kernel's activity hash after the last block.
func (q Querier) ActivityHash(ctx context.Context, _ *types.QueryActivityHashRequest) (*types.QueryActivityHashResponse, error) {
	h, err := q.Keeper.ActivityHash(ctx)
	if err != nil {
		return nil, err
	}
	return &types.QueryActivityHashResponse{ActivityHash: h}, nil
}

// Queue returns the actions waiting for the kernel.
func (q Querier) Queue(ctx context.Context, _ *types.QueryQueueRequest) (*types.QueryQueueResponse, error) {
	actions, err := q.Keeper.Queue(ctx, 0)
	if err != nil {
		return nil, err
	}
	return &types.QueryQueueResponse{Actions: actions}, nil
}

// Kernel returns the running kernel as this node sees it. It is not
// consensus state, and a node whose kernel is not running (a query-only
// process) says so.
func (q Querier) Kernel(_ context.Context, _ *types.QueryKernelRequest) (*types.QueryKernelResponse, error) {
	fn := q.Keeper.kernelStatus.Load()
	if fn == nil {
		return nil, status.Error(codes.Unavailable, "this node runs no kernel")
	}
	return (*fn)()
}
