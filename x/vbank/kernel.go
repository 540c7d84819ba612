package vbank

import (
	"github.com/agd-project/agd/rpc"
	"github.com/agd-project/agd/x/kernelcall"
	"github.com/agd-project/agd/x/vbank/keeper"
)

// RegisterKernelServices registers vbank.GetBalance, vbank.Give and
// vbank.Grab on mux, valid only while w is open.
func RegisterKernelServices(mux *rpc.Mux, w *kernelcall.Window, k keeper.Keeper) {
	kernelcall.Handle(mux, w, "vbank.GetBalance", k.GetBalance)
	kernelcall.Handle(mux, w, "vbank.Give", k.Give)
	kernelcall.Handle(mux, w, "vbank.Grab", k.Grab)
}
