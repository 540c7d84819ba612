package types

import "fmt"

// DefaultGenesis is a chain whose kernel has done nothing yet.
func DefaultGenesis() *GenesisState { return &GenesisState{Params: DefaultParams()} }

// Validate checks params and that queued actions are valid and in id order.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	var prev uint64
	for i, a := range gs.Queue {
		if a.Id <= prev || a.Id > gs.LastActionId {
			return fmt.Errorf("queue[%d]: id %d is not above %d and at most last_action_id %d", i, a.Id, prev, gs.LastActionId)
		}
		prev = a.Id
		if err := a.ValidateBasic(); err != nil {
			return fmt.Errorf("queue[%d]: %w", i, err)
		}
	}
	return nil
}
