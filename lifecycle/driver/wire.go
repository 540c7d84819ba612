package driver

import (
	"encoding/json"
	"strconv"
)

// The lifecycle methods' params and results, as docs/protocol.md pins them.

type initParams struct {
	ProtocolVersion int    `json:"protocolVersion"`
	ChainID         string `json:"chainID"`
	CosmosHeight    int64  `json:"cosmosHeight"`
	IsBootstrap     bool   `json:"isBootstrap"`
}

type initResult struct {
	ProtocolVersion int    `json:"protocolVersion"`
	KernelHeight    int64  `json:"kernelHeight"`
	ActivityHash    string `json:"activityHash"`
}

type beginParams struct {
	BlockHeight int64  `json:"blockHeight"`
	BlockTime   int64  `json:"blockTime"`
	ChainID     string `json:"chainID"`
}

type endParams struct {
	BlockHeight int64             `json:"blockHeight"`
	BlockTime   int64             `json:"blockTime"`
	Actions     []json.RawMessage `json:"actions"`
	Params      kernelParamsJSON  `json:"params"`
}

// kernelParamsJSON is KernelParams on the wire: decimal strings, since a
// computron count may exceed what a JavaScript number holds exactly.
type kernelParamsJSON struct {
	BlockComputronLimit   string `json:"blockComputronLimit"`
	VatCreationComputrons string `json:"vatCreationComputrons"`
}

func (p KernelParams) wire() kernelParamsJSON {
	return kernelParamsJSON{
		BlockComputronLimit:   strconv.FormatUint(p.BlockComputronLimit, 10),
		VatCreationComputrons: strconv.FormatUint(p.VatCreationComputrons, 10),
	}
}

type endResult struct {
	ActivityHash string `json:"activityHash"`
}

type restoreParams struct {
	BlockHeight int64  `json:"blockHeight"`
	SwingStore  string `json:"swingStore"`
}

type restoreResult struct {
	KernelHeight int64  `json:"kernelHeight"`
	ActivityHash string `json:"activityHash"`
}

type commitParams struct {
	BlockHeight int64 `json:"blockHeight"`
}

type commitResult struct {
	KernelHeight int64 `json:"kernelHeight"`
}
