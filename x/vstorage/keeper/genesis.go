package keeper

import (
	"context"
	"fmt"

	"github.com/agd-project/agd/x/vstorage/types"
)

// InitGenesis stores the params and every path's value.
func (k Keeper) InitGenesis(ctx context.Context, gs types.GenesisState) error {
	if err := k.SetParams(ctx, gs.Params); err != nil {
		return fmt.Errorf("vstorage genesis: %w", err)
	}
	for i, e := range gs.Data {
		v := e.Value
		if err := k.Set(ctx, e.Path, &v); err != nil {
			return fmt.Errorf("vstorage genesis: data[%d]: %w", i, err)
		}
	}
	return nil
}

// ExportGenesis returns the params and every path holding a value, in store
// order.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	p, err := k.Params(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: p}
	// Data keys start with the depth's digits, all below 0xff (params).
	it, err := k.storeService.OpenKVStore(ctx).Iterator([]byte("0"), []byte{0xff})
	if err != nil {
		return nil, fmt.Errorf("export vstorage: %w", err)
	}
	defer it.Close()
	for ; it.Valid(); it.Next() {
		v := it.Value()
		if len(v) == 0 || v[0] != types.DataTag {
			continue
		}
		gs.Data = append(gs.Data, types.DataEntry{Path: types.KeyPath(it.Key()), Value: string(v[1:])})
	}
	return gs, nil
}
