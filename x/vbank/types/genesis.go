package types

// DefaultGenesis is a chain that has sent no balance update yet.
func DefaultGenesis() *GenesisState {
	return &GenesisState{Params: DefaultParams()}
}

// Validate checks the genesis params.
func (gs GenesisState) Validate() error {
	return gs.Params.Validate()
}
