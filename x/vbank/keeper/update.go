package keeper

import (
	"context"
	"fmt"

	storetypes "cosmossdk.io/store/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/agd-project/agd/x/vbank/types"
)

// EndBlockUpdate returns the block's vbank.BalanceUpdate: the current
// balance of every monitored (address, denom) that changed, zeros included,
// sorted by address then denom, under the next nonce. It empties the
// changed set, so a later call in the same block sees only later changes.
// It returns nil, and takes no nonce, when no monitored balance changed.
func (k Keeper) EndBlockUpdate(ctx context.Context) (*types.BalanceUpdate, error) {
	params, err := k.Params(ctx)
	if err != nil {
		return nil, err
	}
	monitored := make(map[string]bool, len(params.MonitoredAddresses))
	for _, a := range params.MonitoredAddresses {
		monitored[a] = true
	}

	st := k.transient.OpenTransientStore(ctx)
	it, err := st.Iterator(types.ChangedPrefix, storetypes.PrefixEndBytes(types.ChangedPrefix))
	if err != nil {
		return nil, fmt.Errorf("iterate changed balances: %w", err)
	}
	var keys [][]byte
	var updates []types.Balance
	for ; it.Valid(); it.Next() {
		keys = append(keys, it.Key())
		addr, denom, err := parseChangedKey(it.Key())
		if err != nil {
			it.Close()
			return nil, err
		}
		b, err := k.balance(ctx, addr, denom)
		if err != nil {
			it.Close()
			return nil, err
		}
		if params.MonitorsAll() || monitored[b.Address] {
			updates = append(updates, b)
		}
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("iterate changed balances: %w", err)
	}
	for _, key := range keys {
		if err := st.Delete(key); err != nil {
			return nil, fmt.Errorf("clear changed balances: %w", err)
		}
	}
	if len(updates) == 0 {
		return nil, nil
	}
	types.SortBalances(updates)
	nonce, err := k.nextNonce(ctx)
	if err != nil {
		return nil, err
	}
	return &types.BalanceUpdate{Nonce: nonce, Updates: updates}, nil
}

func (k Keeper) balance(ctx context.Context, addr sdk.AccAddress, denom string) (types.Balance, error) {
	s, err := k.formatAddress(addr)
	if err != nil {
		return types.Balance{}, err
	}
	return types.Balance{Address: s, Denom: denom, Amount: k.bank.GetBalance(ctx, addr, denom).Amount.String()}, nil
}
