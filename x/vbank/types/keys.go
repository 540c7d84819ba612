// Package types holds x/vbank's names, store layout, params and the shapes
// it sends to the kernel.
package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the module's name and the name of its module account,
	// the escrow vbank.Give pays from and vbank.Grab pays into.
	ModuleName = "vbank"
	// StoreKey is the module's KV store key.
	StoreKey = ModuleName
	// TStoreKey is the transient store that collects the block's changed
	// balances; it empties itself at every commit.
	TStoreKey = "transient_" + ModuleName
)

var (
	// ParamsKey holds Params.
	ParamsKey = collections.NewPrefix(0)
	// LastNonceKey holds the nonce of the last balance update.
	LastNonceKey = collections.NewPrefix(1)
	// ChangedPrefix, in the transient store, prefixes one key per
	// (address, denom) whose balance moved in the block.
	ChangedPrefix = []byte{0x01}
)
