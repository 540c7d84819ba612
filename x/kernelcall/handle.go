package kernelcall

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/agd-project/agd/rpc"
)

// Handle registers fn as the kernel→agd method on mux. fn runs only while w
// is open, on a cache of the block's context that is written only when fn
// returns no error; outside the window the kernel gets -32002. fn's errors
// reach the kernel as rpc.Handle sends them: an *rpc.Error keeps its code.
// fn takes a context.Context, as keeper methods do since cosmos-sdk v0.50;
// it is the block's sdk.Context underneath.
func Handle[P, R any](mux *rpc.Mux, w *Window, method string, fn func(ctx context.Context, params P) (R, error)) {
	rpc.Handle(mux, method, func(_ context.Context, params P) (R, error) {
		var result R
		err := w.run(method, func(ctx sdk.Context) error {
			var err error
			result, err = fn(ctx, params)
			return err
		})
		return result, err
	})
}

// InvalidParams answers -32602 naming the field at fault, e.g.
// InvalidParams("amount", err) → "amount: ...". The message is err's
// Error() text alone: a registered error (cosmossdk.io/errors) formatted
// with %v adds the Go file and line that made it, a path of the build
// machine that the kernel could keep in its state.
func InvalidParams(field string, err error) *rpc.Error {
	return rpc.Errorf(rpc.CodeInvalidParams, "%s: %s", field, err.Error())
}
