package types

import "errors"

// DefaultMaxValueSize is 1 MiB: the kernel's largest published records fit,
// and no single path can bloat every validator's state by much more.
const DefaultMaxValueSize = 1 << 20

// DefaultParams returns the default params.
func DefaultParams() Params { return Params{MaxValueSize: DefaultMaxValueSize} }

// Validate checks the params.
func (p Params) Validate() error {
	if p.MaxValueSize == 0 {
		return errors.New("max_value_size: must be positive")
	}
	return nil
}
