package main

import (
	"context"
	"encoding/json"

	"cosmossdk.io/log"

	"github.com/agd-project/agd/rpc"
)

// registerKernelServices registers what agd serves the kernel. Until the
// modules serve their calls, only slog.Write is accepted.
func registerKernelServices(mux *rpc.Mux, logger log.Logger) {
	rpc.HandleRaw(mux, "slog.Write", func(context.Context, json.RawMessage) (any, error) { return nil, nil })
	_ = logger
}
