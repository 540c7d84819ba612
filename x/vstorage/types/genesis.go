package types

import "fmt"

// DefaultGenesis is an empty store.
func DefaultGenesis() *GenesisState { return &GenesisState{Params: DefaultParams()} }

// Validate checks params, paths, sizes and that no path appears twice.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	seen := make(map[string]bool, len(gs.Data))
	for i, e := range gs.Data {
		if err := ValidatePath(e.Path); err != nil {
			return fmt.Errorf("data[%d]: path: %w", i, err)
		}
		if uint64(len(e.Value)) > gs.Params.MaxValueSize {
			return fmt.Errorf("data[%d]: value of %d bytes exceeds max_value_size %d", i, len(e.Value), gs.Params.MaxValueSize)
		}
		if seen[e.Path] {
			return fmt.Errorf("data[%d]: path %q appears twice", i, e.Path)
		}
		seen[e.Path] = true
	}
	return nil
}
