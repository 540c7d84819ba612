package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/agd-project/agd/lifecycle/driver"
)

// Kernel is the block lifecycle of the kernel child as the app drives it
// (lifecycle/driver.Driver implements it). Each method blocks until the
// kernel answered; an error means the block must not be committed.
type Kernel interface {
	BeginBlock(ctx context.Context, height, blockTime int64) error
	EndBlock(ctx context.Context, height, blockTime int64, actions []json.RawMessage, params driver.KernelParams) (activityHash string, err error)
	// Commit returns nil only if agd may commit its own state for height:
	// the kernel has made the block durable.
	Commit(ctx context.Context, height int64) error
	CosmosCommitted(height int64)
	// BalanceUpdate sends the block's vbank.BalanceUpdate notification; it
	// goes between BeginBlock and EndBlock.
	BalanceUpdate(ctx context.Context, update any) error
	// Restore swaps in the swing-store imported from a state-sync snapshot
	// of height, whose restored cosmos state holds activityHash.
	Restore(ctx context.Context, height int64, activityHash, swingStore string) error
}

// ErrNoKernel is returned for a block when no kernel is attached: the chain's
// consensus state includes the kernel's activity hash, so a node without its
// kernel would fork from the chain.
var ErrNoKernel = errors.New("no kernel attached: agd runs blocks only with its kernel (agd start --split)")

// SetKernel attaches the kernel; agd start does it after the handshake and
// before CometBFT may replay or run any block.
func (app *App) SetKernel(k Kernel) {
	app.kernel = k
	app.KernelSnapshots.SetRestore(app.restoreKernel)
}

// CommittedActivityHash returns the kernel activity hash stored in the last
// committed state, for the start-up handshake.
//
// It reads the committed version itself, not through the SDK's inter-block
// cache: a state-sync restore replaces the stores beneath that cache, so a
// value it cached before the restore (this very read at start-up) would be
// stale afterwards.
func (app *App) CommittedActivityHash() (string, error) {
	height := app.LastBlockHeight()
	if height == 0 {
		return "", nil
	}
	cms, err := app.CommitMultiStore().CacheMultiStoreWithVersion(height)
	if err != nil {
		return "", fmt.Errorf("read committed state at height %d: %w", height, err)
	}
	ctx := sdk.NewContext(cms, cmtproto.Header{Height: height}, false, app.Logger())
	return app.SwingsetKeeper.ActivityHash(ctx)
}

func (app *App) kernelBeginBlock(ctx sdk.Context) error {
	if app.kernel == nil {
		return ErrNoKernel
	}
	return app.kernel.BeginBlock(ctx, ctx.BlockHeight(), ctx.BlockTime().Unix())
}

// kernelEndBlock runs after every module's EndBlock. It sends the block's
// balance changes, then the block's queued kernel inputs and x/swingset's
// params with EndBlock, and writes the activity hash the kernel returns
// into consensus state. The kernel may call back into vbank and vstorage
// only while EndBlock is in flight: the window opens on this block's
// context just for that call.
func (app *App) kernelEndBlock(ctx sdk.Context) error {
	if app.kernel == nil {
		return ErrNoKernel
	}
	update, err := app.VbankKeeper.EndBlockUpdate(ctx)
	if err != nil {
		return err
	}
	if update != nil {
		if err := app.kernel.BalanceUpdate(ctx, update); err != nil {
			return err
		}
	}
	actions, err := app.SwingsetKeeper.TakeActions(ctx)
	if err != nil {
		return err
	}
	params, err := app.SwingsetKeeper.Params(ctx)
	if err != nil {
		return err
	}
	kernelParams := driver.KernelParams{
		BlockComputronLimit:   params.BlockComputronLimit,
		VatCreationComputrons: params.VatCreationComputrons,
	}
	app.KernelWindow.Open(ctx)
	hash, err := app.kernel.EndBlock(ctx, ctx.BlockHeight(), ctx.BlockTime().Unix(), actions, kernelParams)
	app.KernelWindow.Close()
	if err != nil {
		return err
	}
	app.endedHeight = ctx.BlockHeight()
	return app.SwingsetKeeper.SetActivityHash(ctx, hash)
}

// Commit commits the block only after the kernel made it durable: a crash
// between the two leaves the kernel one block ahead, which the next start
// recovers; the other order could not be recovered.
func (app *App) Commit() (*abci.ResponseCommit, error) {
	if app.kernel == nil {
		return nil, ErrNoKernel
	}
	height := app.endedHeight
	if err := app.kernel.Commit(context.Background(), height); err != nil {
		return nil, fmt.Errorf("commit of block %d: %w", height, err)
	}
	// Before agd's commit, so before the kernel can commit height+1: a
	// snapshot's kernel export opens its read transaction on height here.
	app.KernelSnapshots.KernelCommitted(height)
	res, err := app.BaseApp.Commit()
	if err != nil {
		return nil, err
	}
	app.kernel.CosmosCommitted(height)
	return res, nil
}
