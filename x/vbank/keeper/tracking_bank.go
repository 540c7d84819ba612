package keeper

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	bankkeeper "github.com/cosmos/cosmos-sdk/x/bank/keeper"
)

// TrackingBank is the bank keeper for modules that change balances without
// a bank send, so vbank's send restriction never sees them: staking's
// delegations and undelegations, and burns and mints. It records the
// changed balances and otherwise is the bank keeper. Give it to the staking
// keeper (and to any module that mints or burns).
type TrackingBank struct {
	bankkeeper.BaseKeeper
	vbank Keeper
}

// NewTrackingBank wraps bk so the moves above reach vbank's changed set.
func NewTrackingBank(bk bankkeeper.BaseKeeper, vbank Keeper) TrackingBank {
	return TrackingBank{BaseKeeper: bk, vbank: vbank}
}

// DelegateCoinsFromAccountToModule delegates and records both balances.
func (t TrackingBank) DelegateCoinsFromAccountToModule(ctx context.Context, from sdk.AccAddress, module string, amt sdk.Coins) error {
	if err := t.BaseKeeper.DelegateCoinsFromAccountToModule(ctx, from, module, amt); err != nil {
		return err
	}
	t.vbank.RecordChange(ctx, from, amt)
	t.vbank.RecordChange(ctx, authtypes.NewModuleAddress(module), amt)
	return nil
}

// UndelegateCoinsFromModuleToAccount undelegates and records both balances.
func (t TrackingBank) UndelegateCoinsFromModuleToAccount(ctx context.Context, module string, to sdk.AccAddress, amt sdk.Coins) error {
	if err := t.BaseKeeper.UndelegateCoinsFromModuleToAccount(ctx, module, to, amt); err != nil {
		return err
	}
	t.vbank.RecordChange(ctx, authtypes.NewModuleAddress(module), amt)
	t.vbank.RecordChange(ctx, to, amt)
	return nil
}

// MintCoins mints and records the module's balance.
func (t TrackingBank) MintCoins(ctx context.Context, module string, amt sdk.Coins) error {
	if err := t.BaseKeeper.MintCoins(ctx, module, amt); err != nil {
		return err
	}
	t.vbank.RecordChange(ctx, authtypes.NewModuleAddress(module), amt)
	return nil
}

// BurnCoins burns and records the module's balance.
func (t TrackingBank) BurnCoins(ctx context.Context, module string, amt sdk.Coins) error {
	if err := t.BaseKeeper.BurnCoins(ctx, module, amt); err != nil {
		return err
	}
	t.vbank.RecordChange(ctx, authtypes.NewModuleAddress(module), amt)
	return nil
}
