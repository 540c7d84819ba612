package app

import (
	sdk "github.com/cosmos/cosmos-sdk/types"
)

const (
	// Name is the application's name, as CometBFT and the CLI show it.
	Name = "agd"

	// Bech32Prefix is the account address prefix; the kernel's vbank calls
	// validate addresses against it.
	Bech32Prefix = "agoric"

	// BondDenom is the staking denom.
	BondDenom = "ubld"

	// StableDenom is the second denom every genesis account is funded with.
	StableDenom = "uist"
)

// KnownDenoms are the denoms genesis accepts; anything else in a genesis
// account is almost certainly a typo and is refused.
var KnownDenoms = []string{BondDenom, StableDenom}

// IsKnownDenom reports whether denom is one of KnownDenoms.
func IsKnownDenom(denom string) bool {
	for _, d := range KnownDenoms {
		if d == denom {
			return true
		}
	}
	return false
}

// SetSDKConfig sets the address prefixes and the default bond denom in the
// SDK's process-wide config. The SDK reads them from there (genesis defaults,
// address codecs in the CLI), so they must be set before any command runs;
// the config is sealed afterwards so nothing changes them later.
func SetSDKConfig() {
	cfg := sdk.GetConfig()
	cfg.SetBech32PrefixForAccount(Bech32Prefix, Bech32Prefix+sdk.PrefixPublic)
	cfg.SetBech32PrefixForValidator(Bech32Prefix+sdk.PrefixValidator+sdk.PrefixOperator, Bech32Prefix+sdk.PrefixValidator+sdk.PrefixOperator+sdk.PrefixPublic)
	cfg.SetBech32PrefixForConsensusNode(Bech32Prefix+sdk.PrefixValidator+sdk.PrefixConsensus, Bech32Prefix+sdk.PrefixValidator+sdk.PrefixConsensus+sdk.PrefixPublic)
	cfg.Seal()
	sdk.DefaultBondDenom = BondDenom
}
