// Package keeper is x/vbank's state: params, the nonce of the kernel's
// balance updates and the block's set of changed balances, plus the
// kernel's calls that move coins in and out of the vbank escrow.
package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	"cosmossdk.io/core/store"
	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/agd-project/agd/x/vbank/types"
)

// Keeper reads and writes x/vbank's stores.
type Keeper struct {
	transient    store.TransientStoreService
	bank         types.BankKeeper
	addressCodec address.Codec
	escrow       sdk.AccAddress

	params    collections.Item[types.Params]
	lastNonce collections.Item[uint64]
}

// NewKeeper returns a keeper over the module's store and transient store.
// addressCodec is the chain's account codec (bech32 "agoric").
func NewKeeper(
	cdc codec.BinaryCodec,
	storeService store.KVStoreService,
	transient store.TransientStoreService,
	bank types.BankKeeper,
	addressCodec address.Codec,
) Keeper {
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		transient:    transient,
		bank:         bank,
		addressCodec: addressCodec,
		escrow:       authtypes.NewModuleAddress(types.ModuleName),
		params:       collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		lastNonce:    collections.NewItem(sb, types.LastNonceKey, "last_nonce", collections.Uint64Value),
	}
	if _, err := sb.Build(); err != nil {
		panic(fmt.Errorf("vbank schema: %w", err))
	}
	return k
}

// Params returns the module's params (the defaults before genesis set them).
func (k Keeper) Params(ctx context.Context) (types.Params, error) {
	p, err := k.params.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return types.DefaultParams(), nil
	}
	if err != nil {
		return types.Params{}, fmt.Errorf("read vbank params: %w", err)
	}
	return p, nil
}

// SetParams validates and stores params.
func (k Keeper) SetParams(ctx context.Context, p types.Params) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return k.params.Set(ctx, p)
}

// LastNonce returns the nonce of the last balance update (0 before any).
func (k Keeper) LastNonce(ctx context.Context) (uint64, error) {
	n, err := k.lastNonce.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read vbank nonce: %w", err)
	}
	return n, nil
}

// nextNonce takes the next nonce: every update the kernel sees, from
// EndBlock or from Give and Grab, carries a new one, as in Agoric's vbank.
func (k Keeper) nextNonce(ctx context.Context) (uint64, error) {
	n, err := k.LastNonce(ctx)
	if err != nil {
		return 0, err
	}
	n++
	if err := k.lastNonce.Set(ctx, n); err != nil {
		return 0, fmt.Errorf("write vbank nonce: %w", err)
	}
	return n, nil
}

// EscrowAddress is the vbank module account's address.
func (k Keeper) EscrowAddress() sdk.AccAddress { return k.escrow }

func (k Keeper) formatAddress(addr sdk.AccAddress) (string, error) {
	s, err := k.addressCodec.BytesToString(addr)
	if err != nil {
		return "", fmt.Errorf("encode address %X: %w", []byte(addr), err)
	}
	return s, nil
}
