package vstorage

import (
	"github.com/agd-project/agd/rpc"
	"github.com/agd-project/agd/x/kernelcall"
	"github.com/agd-project/agd/x/vstorage/keeper"
)

// RegisterKernelServices registers vstorage.Get, Set, Append, Children,
// Has, Entries and Size on mux, valid only while w is open.
func RegisterKernelServices(mux *rpc.Mux, w *kernelcall.Window, k keeper.Keeper) {
	kernelcall.Handle(mux, w, "vstorage.Get", k.KernelGet)
	kernelcall.Handle(mux, w, "vstorage.Has", k.KernelHas)
	kernelcall.Handle(mux, w, "vstorage.Children", k.KernelChildren)
	kernelcall.Handle(mux, w, "vstorage.Entries", k.KernelEntries)
	kernelcall.Handle(mux, w, "vstorage.Size", k.KernelSize)
	kernelcall.Handle(mux, w, "vstorage.Set", k.KernelSet)
	kernelcall.Handle(mux, w, "vstorage.Append", k.KernelAppend)
}
