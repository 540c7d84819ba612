// Package keeper is x/swingset's state: the kernel's activity hash, params
// and the queue of actions waiting for swingset.EndBlock; and its Msg
// service, which queues them and moves a delivery's funds into the
// kernel's escrow.
package keeper

import (
	"context"
	"fmt"
	"sync/atomic"

	"cosmossdk.io/core/store"

	"github.com/agd-project/agd/x/swingset/types"
)

// Keeper reads and writes x/swingset's store.
type Keeper struct {
	storeService store.KVStoreService
	bank         types.BankKeeper
	// escrow is the module account a delivery's funds go to: vbank's, which
	// the kernel pays out of with vbank.Give.
	escrow string
	// kernelStatus answers the Kernel query; agd start sets it once the
	// kernel runs. It is shared by every copy of the Keeper.
	kernelStatus *atomic.Pointer[KernelStatusFunc]
}

// KernelStatusFunc reports the running kernel as this node sees it.
type KernelStatusFunc func() (*types.QueryKernelResponse, error)

// NewKeeper returns a keeper over the module's store that moves deliveries'
// funds with bank into the module account named escrow.
func NewKeeper(storeService store.KVStoreService, bank types.BankKeeper, escrow string) Keeper {
	return Keeper{storeService: storeService, bank: bank, escrow: escrow, kernelStatus: new(atomic.Pointer[KernelStatusFunc])}
}

// SetKernelStatus attaches what answers the Kernel query.
func (k Keeper) SetKernelStatus(fn KernelStatusFunc) { k.kernelStatus.Store(&fn) }

// ActivityHash returns the kernel's activity hash as of the last committed
// block ("" before the first).
func (k Keeper) ActivityHash(ctx context.Context) (string, error) {
	b, err := k.storeService.OpenKVStore(ctx).Get(types.ActivityHashKey)
	if err != nil {
		return "", fmt.Errorf("read activity hash: %w", err)
	}
	return string(b), nil
}

// SetActivityHash records the kernel's activity hash for the current block.
func (k Keeper) SetActivityHash(ctx context.Context, hash string) error {
	if err := k.storeService.OpenKVStore(ctx).Set(types.ActivityHashKey, []byte(hash)); err != nil {
		return fmt.Errorf("write activity hash: %w", err)
	}
	return nil
}

// Params returns the module's params (the defaults before genesis).
func (k Keeper) Params(ctx context.Context) (types.Params, error) {
	bz, err := k.storeService.OpenKVStore(ctx).Get(types.ParamsKey)
	if err != nil {
		return types.Params{}, fmt.Errorf("read swingset params: %w", err)
	}
	if bz == nil {
		return types.DefaultParams(), nil
	}
	var p types.Params
	if err := p.Unmarshal(bz); err != nil {
		return types.Params{}, fmt.Errorf("decode swingset params: %w", err)
	}
	return p, nil
}

// SetParams validates and stores params.
func (k Keeper) SetParams(ctx context.Context, p types.Params) error {
	if err := p.Validate(); err != nil {
		return err
	}
	bz, err := p.Marshal()
	if err != nil {
		return fmt.Errorf("encode swingset params: %w", err)
	}
	return k.storeService.OpenKVStore(ctx).Set(types.ParamsKey, bz)
}
