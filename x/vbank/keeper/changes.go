package keeper

import (
	"context"
	"fmt"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/address"

	"github.com/agd-project/agd/x/vbank/types"
)

// SendRestriction records both sides of every bank send in the block's
// changed set; it never refuses or redirects a send. The app appends it to
// the bank keeper (BaseKeeper.AppendSendRestriction), which runs it for
// SendCoins, InputOutputCoins and the module-account sends built on them.
// It runs before the send and a failing send's transaction is discarded with
// its transient writes, so only sends that happened stay recorded.
func (k Keeper) SendRestriction(ctx context.Context, from, to sdk.AccAddress, amt sdk.Coins) (sdk.AccAddress, error) {
	k.RecordChange(ctx, from, amt)
	k.RecordChange(ctx, to, amt)
	return to, nil
}

// RecordChange marks addr's balances of amt's denoms as changed in this
// block, for paths that move coins without a bank send (delegation).
func (k Keeper) RecordChange(ctx context.Context, addr sdk.AccAddress, amt sdk.Coins) {
	st := k.transient.OpenTransientStore(ctx)
	for _, c := range amt {
		// Transient writes only fail on an invalid key, which changedKey
		// never builds.
		_ = st.Set(changedKey(addr, c.Denom), []byte{})
	}
}

func changedKey(addr sdk.AccAddress, denom string) []byte {
	key := append([]byte{}, types.ChangedPrefix...)
	key = append(key, address.MustLengthPrefix(addr)...)
	return append(key, denom...)
}

func parseChangedKey(key []byte) (sdk.AccAddress, string, error) {
	rest := key[len(types.ChangedPrefix):]
	if len(rest) == 0 || int(rest[0]) > len(rest)-1 {
		return nil, "", fmt.Errorf("malformed changed-balance key %X", key)
	}
	n := int(rest[0])
	return sdk.AccAddress(rest[1 : 1+n]), string(rest[1+n:]), nil
}
