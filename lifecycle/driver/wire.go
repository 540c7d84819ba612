package driver

import (
	"context"
	"encoding/json"
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
}

type endResult struct {
	ActivityHash string `json:"activityHash"`
}

type commitParams struct {
	BlockHeight int64 `json:"blockHeight"`
}

type commitResult struct {
	KernelHeight int64 `json:"kernelHeight"`
}

// The block's time and inputs ride on the context from the ABCI hook to the
// call the machine asks for, since the machine itself deals only in heights.

type blockTimeKey struct{}
type actionsKey struct{}

func withBlockTime(ctx context.Context, t int64) context.Context {
	return context.WithValue(ctx, blockTimeKey{}, t)
}

func blockTimeOf(ctx context.Context) int64 {
	t, _ := ctx.Value(blockTimeKey{}).(int64)
	return t
}

func withActions(ctx context.Context, actions []json.RawMessage) context.Context {
	return context.WithValue(ctx, actionsKey{}, actions)
}

func actionsOf(ctx context.Context) []json.RawMessage {
	a, _ := ctx.Value(actionsKey{}).([]json.RawMessage)
	if a == nil {
		return []json.RawMessage{}
	}
	return a
}
