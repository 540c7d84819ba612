package types

import "errors"

const (
	// DefaultMaxBundleSize is 10 MiB, well under the 64 MiB line limit of
	// the wire, which must also carry the rest of the block's actions.
	DefaultMaxBundleSize = 10 << 20
	// DefaultMaxActionsPerBlock bounds how long one swingset.EndBlock runs.
	DefaultMaxActionsPerBlock = 100
	// DefaultBlockComputronLimit is Agoric's per-block compute limit in xsnap
	// computrons: agoric-sdk golang/cosmos/x/swingset/types/default-params.go
	// sets DefaultBeansPerBlockComputeLimit = 8000000 ×
	// DefaultBeansPerXsnapComputron (100 beans per computron). Its comment
	// cites analysis (agoric-sdk #3459) putting that at about 2/3
	// utilisation of 5 s voting plus up to 10 s of computation.
	DefaultBlockComputronLimit = 8_000_000
	// DefaultVatCreationComputrons is what Agoric charges for creating a
	// vat, in computrons: the same file's DefaultBeansPerVatCreation =
	// 300000 × DefaultBeansPerXsnapComputron ("observed: 0.385 sec").
	DefaultVatCreationComputrons = 300_000
)

// DefaultParams returns the default params.
func DefaultParams() Params {
	return Params{
		MaxBundleSize:         DefaultMaxBundleSize,
		MaxActionsPerBlock:    DefaultMaxActionsPerBlock,
		BlockComputronLimit:   DefaultBlockComputronLimit,
		VatCreationComputrons: DefaultVatCreationComputrons,
	}
}

// Validate checks the params.
func (p Params) Validate() error {
	if p.MaxBundleSize == 0 {
		return errors.New("max_bundle_size: must be positive")
	}
	if p.MaxActionsPerBlock == 0 {
		return errors.New("max_actions_per_block: must be positive")
	}
	if p.BlockComputronLimit == 0 {
		// A zero budget would let the kernel run nothing, ever.
		return errors.New("block_computron_limit: must be positive")
	}
	if p.VatCreationComputrons == 0 {
		// Uncounted vat creation made 21-45 s blocks on Agoric (agoric-sdk #6639).
		return errors.New("vat_creation_computrons: must be positive")
	}
	return nil
}
