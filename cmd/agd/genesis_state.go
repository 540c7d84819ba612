package main

import (
	"encoding/json"
	"fmt"
)

// marshalGenesisState encodes the modules' genesis map; encoding/json sorts
// map keys, so every node gets byte-identical genesis files.
func marshalGenesisState(state map[string]json.RawMessage) (json.RawMessage, error) {
	b, err := json.MarshalIndent(state, "", " ")
	if err != nil {
		return nil, fmt.Errorf("encode genesis state: %w", err)
	}
	return b, nil
}
