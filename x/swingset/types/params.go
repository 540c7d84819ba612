package types

import "errors"

const (
	// DefaultMaxBundleSize is 10 MiB, well under the 64 MiB line limit of
	// the wire, which must also carry the rest of the block's actions.
	DefaultMaxBundleSize = 10 << 20
	// DefaultMaxActionsPerBlock bounds how long one swingset.EndBlock runs.
	DefaultMaxActionsPerBlock = 100
)

// DefaultParams returns the default params.
func DefaultParams() Params {
	return Params{MaxBundleSize: DefaultMaxBundleSize, MaxActionsPerBlock: DefaultMaxActionsPerBlock}
}

// Validate checks the params.
func (p Params) Validate() error {
	if p.MaxBundleSize == 0 {
		return errors.New("max_bundle_size: must be positive")
	}
	if p.MaxActionsPerBlock == 0 {
		return errors.New("max_actions_per_block: must be positive")
	}
	return nil
}
