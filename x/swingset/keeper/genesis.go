package keeper

import (
	"context"
	"fmt"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/agd-project/agd/x/swingset/types"
)

// InitGenesis stores params, the activity hash and the queue as exported.
func (k Keeper) InitGenesis(ctx context.Context, gs types.GenesisState) error {
	if err := k.SetParams(ctx, gs.Params); err != nil {
		return fmt.Errorf("swingset genesis: %w", err)
	}
	if gs.ActivityHash != "" {
		if err := k.SetActivityHash(ctx, gs.ActivityHash); err != nil {
			return err
		}
	}
	if err := k.storeService.OpenKVStore(ctx).Set(types.LastActionIDKey, sdk.Uint64ToBigEndian(gs.LastActionId)); err != nil {
		return fmt.Errorf("swingset genesis: %w", err)
	}
	for _, a := range gs.Queue {
		if err := k.putAction(ctx, a); err != nil {
			return fmt.Errorf("swingset genesis: %w", err)
		}
	}
	return nil
}

// ExportGenesis returns params, the activity hash and the pending queue.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	p, err := k.Params(ctx)
	if err != nil {
		return nil, err
	}
	h, err := k.ActivityHash(ctx)
	if err != nil {
		return nil, err
	}
	last, err := k.LastActionID(ctx)
	if err != nil {
		return nil, err
	}
	q, err := k.Queue(ctx, 0)
	if err != nil {
		return nil, err
	}
	return &types.GenesisState{Params: p, ActivityHash: h, LastActionId: last, Queue: q}, nil
}
