package main

import (
	"context"
	"encoding/json"

	"cosmossdk.io/log"

	"github.com/agd-project/agd/rpc"
)

// registerKernelServices registers what agd serves the kernel. Until the
// modules serve their calls, only slog.Write is accepted; it goes to
// slogSink (the flight recorder), or nowhere when that is nil.
func registerKernelServices(mux *rpc.Mux, logger log.Logger, slogSink func(context.Context, json.RawMessage) (any, error)) {
	if slogSink == nil {
		slogSink = func(context.Context, json.RawMessage) (any, error) { return nil, nil }
	}
	rpc.HandleRaw(mux, "slog.Write", slogSink)
	_ = logger
}
