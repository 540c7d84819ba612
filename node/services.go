package node

import (
	"context"
	"encoding/json"

	"github.com/agd-project/agd/rpc"
)

// kernelServices registers the modules' kernel→agd calls (the app does).
type kernelServices interface {
	RegisterKernelServices(mux *rpc.Mux)
}

// registerKernelServices registers what agd serves the kernel: the modules'
// calls (vbank, vstorage), and slog.Write, which goes to slogSink (the
// flight recorder), or nowhere when that is nil.
func registerKernelServices(mux *rpc.Mux, services kernelServices, slogSink func(context.Context, json.RawMessage) (any, error)) {
	services.RegisterKernelServices(mux)
	if slogSink == nil {
		slogSink = func(context.Context, json.RawMessage) (any, error) { return nil, nil }
	}
	rpc.HandleRaw(mux, "slog.Write", slogSink)
}
