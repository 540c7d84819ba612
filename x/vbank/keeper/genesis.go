package keeper

import (
	"context"
	"fmt"

	"github.com/agd-project/agd/x/vbank/types"
)

// InitGenesis stores the genesis params and nonce.
func (k Keeper) InitGenesis(ctx context.Context, gs types.GenesisState) error {
	if err := k.SetParams(ctx, gs.Params); err != nil {
		return fmt.Errorf("vbank genesis: %w", err)
	}
	if err := k.lastNonce.Set(ctx, gs.LastNonce); err != nil {
		return fmt.Errorf("vbank genesis: %w", err)
	}
	return nil
}

// ExportGenesis returns the params and nonce.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	p, err := k.Params(ctx)
	if err != nil {
		return nil, err
	}
	n, err := k.LastNonce(ctx)
	if err != nil {
		return nil, err
	}
	return &types.GenesisState{Params: p, LastNonce: n}, nil
}
