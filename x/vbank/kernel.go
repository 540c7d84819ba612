package vbank

import (
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/agd-project/agd/rpc"
	"github.com/agd-project/agd/x/kernelcall"
	"github.com/agd-project/agd/x/vbank/keeper"
	"github.com/agd-project/agd/x/vbank/types"
)

// RegisterKernelServices registers vbank.GetBalance, vbank.Give and
// vbank.Grab on mux, valid only while w is open.
func RegisterKernelServices(mux *rpc.Mux, w *kernelcall.Window, k keeper.Keeper) {
	kernelcall.Handle(mux, w, "vbank.GetBalance", func(ctx sdk.Context, req keeper.BalanceRequest) (string, error) {
		return k.GetBalance(ctx, req)
	})
	kernelcall.Handle(mux, w, "vbank.Give", func(ctx sdk.Context, req keeper.TransferRequest) (*types.BalanceUpdate, error) {
		return k.Give(ctx, req)
	})
	kernelcall.Handle(mux, w, "vbank.Grab", func(ctx sdk.Context, req keeper.TransferRequest) (*types.BalanceUpdate, error) {
		return k.Grab(ctx, req)
	})
}
