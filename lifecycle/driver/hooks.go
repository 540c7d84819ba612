package driver

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/agd-project/agd/lifecycle"
)

// KernelParams are x/swingset's consensus params that swingset.EndBlock
// hands the kernel in every block.
type KernelParams struct {
	// BlockComputronLimit is the block's computron budget.
	BlockComputronLimit uint64
	// VatCreationComputrons is what creating a vat counts against it.
	VatCreationComputrons uint64
}

// blockInputs is what a block's kernel calls carry besides the height. The
// machine deals only in heights, so the hook that feeds it a block's event
// hands these, as a parameter, to the call the machine asks for; steps that
// make no block call pass noBlock.
type blockInputs struct {
	height  int64
	time    int64
	actions []json.RawMessage
	params  KernelParams
	// restoreFrom is the imported swing-store swingset.Restore swaps in.
	restoreFrom string
}

var noBlock = blockInputs{}

// Init runs the start-up handshake: swingset.Init with agd's committed height
// and the activity hash agd stored for it. It returns an error, naming the
// heights, when the kernel cannot follow this chain.
func (d *Driver) Init(ctx context.Context, cosmosHeight int64, activityHash string) error {
	out := d.run(ctx, lifecycle.Started{CosmosHeight: cosmosHeight, ActivityHash: activityHash}, noBlock)
	if out.refused != nil {
		return out.refused
	}
	// A signal that came before Init stopped the machine already; Started
	// then asks for nothing, and the handshake did not happen.
	if stop, ok := d.Decision(); ok {
		return fmt.Errorf("%w: %s", ErrStopping, stop.Reason)
	}
	return nil
}

// Restore hands the kernel the swing-store imported from a state-sync
// snapshot of height (swingStore, a folder beside the kernel's own) once
// cosmos state was restored to height with activityHash. It returns an
// error, naming both sides, unless the kernel took it up at the same height
// and activity hash; agd then stops.
func (d *Driver) Restore(ctx context.Context, height int64, activityHash, swingStore string) error {
	out := d.run(ctx, lifecycle.RestoreRequested{Height: height, ActivityHash: activityHash}, blockInputs{restoreFrom: swingStore})
	if out.refused != nil {
		return out.refused
	}
	if stop, ok := d.Decision(); ok {
		return fmt.Errorf("%w: %s", ErrStopping, stop.Reason)
	}
	return nil
}

// BeginBlock is called from the app's BeginBlocker for block height.
func (d *Driver) BeginBlock(ctx context.Context, height, blockTime int64) error {
	out := d.run(ctx, lifecycle.BlockStarted{Height: height}, blockInputs{height: height, time: blockTime})
	if out.refused != nil {
		d.endRoutineIfSyncing()
	}
	return out.refused
}

// EndBlock is called from the app's EndBlocker, after every other module
// (vbank's BalanceUpdate included), with the block's kernel inputs and
// x/swingset's params. It returns the activity hash to write into consensus
// state.
func (d *Driver) EndBlock(ctx context.Context, height, blockTime int64, actions []json.RawMessage, params KernelParams) (string, error) {
	out := d.run(ctx, lifecycle.EndBlockReached{Height: height},
		blockInputs{height: height, time: blockTime, actions: actions, params: params})
	if out.refused != nil {
		d.endRoutineIfSyncing()
		return "", out.refused
	}
	if out.activityHash == "" {
		return "", fmt.Errorf("%w: block %d ended without an activity hash", ErrStopping, height)
	}
	return out.activityHash, nil
}

// Commit is called when ABCI Commit starts for height. It returns nil only
// when agd may commit its own state: the kernel made the block durable.
func (d *Driver) Commit(ctx context.Context, height int64) error {
	out := d.run(ctx, lifecycle.CommitStarted{Height: height}, noBlock)
	if out.commitCosmos {
		return nil
	}
	d.endRoutineIfSyncing()
	if out.refused != nil {
		return out.refused
	}
	return fmt.Errorf("%w: block %d was not committed", ErrStopping, height)
}

// CosmosCommitted is called once agd's own commit of height is durable.
func (d *Driver) CosmosCommitted(height int64) {
	d.run(context.Background(), lifecycle.CosmosCommitted{Height: height}, noBlock)
}

// BalanceUpdate sends the block's vbank.BalanceUpdate notification. It is
// not a lifecycle step: the machine orders BeginBlock and EndBlock, and the
// app sends this between them.
func (d *Driver) BalanceUpdate(ctx context.Context, update any) error {
	if _, stopped := d.Decision(); stopped {
		d.endRoutineIfSyncing()
		return fmt.Errorf("%w: not sending vbank.BalanceUpdate", ErrStopping)
	}
	if err := d.cfg.Notifier.Notify(ctx, "vbank.BalanceUpdate", update); err != nil {
		// Only a closed connection fails a notification: the kernel is
		// gone, and agd stops on that.
		d.endRoutineIfSyncing()
		return fmt.Errorf("send vbank.BalanceUpdate: %w", err)
	}
	return nil
}

// Signal records SIGTERM or SIGINT; the machine decides whether agd stops
// now or after the block in progress.
func (d *Driver) Signal(name string) {
	d.run(context.Background(), lifecycle.SignalReceived{Name: name}, noBlock)
}

// KernelExited records the kernel's death with its exit status.
func (d *Driver) KernelExited(status string) {
	d.run(context.Background(), lifecycle.KernelExited{Status: status}, noBlock)
}
