// Package driver is the thin I/O layer around lifecycle.Machine: it feeds the
// machine what happens (ABCI steps, kernel replies, signals, the kernel's
// exit) and carries out what the machine decides (rpc calls to the kernel,
// signals, stopping). Every decision stays in the machine, so what the
// property tests checked is what runs.
package driver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agd-project/agd/lifecycle"
	"github.com/agd-project/agd/rpc"
)

// Caller is the part of rpc.Conn the driver uses for lifecycle calls.
type Caller interface {
	Call(ctx context.Context, method string, params, result any) error
}

// Notifier sends notifications to the kernel.
type Notifier interface {
	Notify(ctx context.Context, method string, params any) error
}

// Logger is the logging the driver needs; cosmossdk.io/log's Logger fits.
type Logger interface {
	Info(msg string, keyvals ...any)
	Error(msg string, keyvals ...any)
}

// Config is what a Driver needs from the outside world.
type Config struct {
	Kernel   Caller
	Notifier Notifier
	ChainID  string
	// SignalKernel sends SIGTERM to the kernel's process group.
	SignalKernel func() error
	// CallTimeout bounds each lifecycle call, so a hung kernel stops agd
	// with a message instead of stalling consensus forever.
	CallTimeout time.Duration
	Logger      Logger
}

// ErrStopping is returned (wrapped, with the reason) from every ABCI hook once
// the machine has decided to stop or refuses a block: CometBFT then stops its
// consensus routine without committing the block.
var ErrStopping = errors.New("agd is stopping")

// Driver runs the lifecycle machine.
type Driver struct {
	cfg Config

	mu      sync.Mutex // serialises Handle: signals and exits arrive from other goroutines
	machine *lifecycle.Machine

	stopOnce sync.Once
	stopped  chan struct{}
	stop     lifecycle.Stop

	syncing atomic.Pointer[func() bool]
}

// New returns a driver for a kernel that has not been initialised yet.
func New(cfg Config) *Driver {
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = 2 * time.Minute
	}
	return &Driver{cfg: cfg, machine: lifecycle.New(), stopped: make(chan struct{})}
}

// Stopped is closed once the machine has decided to stop; Decision then
// says why and with which exit code.
func (d *Driver) Stopped() <-chan struct{} { return d.stopped }

// SetSyncing tells the driver how to ask whether CometBFT is block-syncing;
// see endRoutineIfSyncing. Until it is set, the node is taken to be in
// consensus.
func (d *Driver) SetSyncing(syncing func() bool) { d.syncing.Store(&syncing) }

// endRoutineIfSyncing ends the calling goroutine, instead of returning a
// refused block's error, while the node is block-syncing. CometBFT's
// blocksync routine panics on any error from the app, which would end agd
// by a crash (exit 2 and a Go stack) instead of the stop the machine
// decided; and stopping the node waits for that routine, so it cannot be
// held either. runtime.Goexit runs the routine's deferred calls (the ABCI
// client's and the mempool's unlocks, the reactor's WaitGroup) and ends it
// without a panic: nothing of the refused block is applied, and the node
// stops as usual. In consensus the error comes back: the consensus routine
// turns it into a halt of its own.
func (d *Driver) endRoutineIfSyncing() {
	if syncing := d.syncing.Load(); syncing != nil && (*syncing)() {
		d.cfg.Logger.Info("ending CometBFT's blocksync routine on the refused block: it would crash on the error; agd stops around it")
		runtime.Goexit()
	}
}

// Decision returns the machine's stop decision, if it made one.
func (d *Driver) Decision() (lifecycle.Stop, bool) {
	select {
	case <-d.stopped:
		return d.stop, true
	default:
		return lifecycle.Stop{}, false
	}
}

// CommittedHeights reports the heights the machine knows to be committed.
func (d *Driver) CommittedHeights() (kernel, cosmos int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.machine.CommittedHeights()
}

// outcome is what running a chain of events produced for the ABCI hook that
// started it.
type outcome struct {
	activityHash string
	commitCosmos bool
	refused      error
}

// run feeds ev and every reply event that the resulting calls produce, until
// the machine has nothing more to do for this step; block is what the
// step's block calls send.
func (d *Driver) run(ctx context.Context, ev lifecycle.Event, block blockInputs) outcome {
	var out outcome
	queue := []lifecycle.Event{ev}
	for len(queue) > 0 {
		next := queue[0]
		queue = queue[1:]
		for _, act := range d.feed(next) {
			if reply := d.perform(ctx, act, block, &out); reply != nil {
				queue = append(queue, reply)
			}
		}
	}
	return out
}

// feed hands one event to the machine under the lock.
func (d *Driver) feed(ev lifecycle.Event) []lifecycle.Action {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.machine.Handle(ev)
}

// perform carries out one action and returns the event that answers it, if
// any.
func (d *Driver) perform(ctx context.Context, act lifecycle.Action, block blockInputs, out *outcome) lifecycle.Event {
	switch a := act.(type) {
	case lifecycle.CallKernelInit:
		var res initResult
		err := d.call(ctx, "swingset.Init", initParams{
			ProtocolVersion: 1, ChainID: d.cfg.ChainID, CosmosHeight: a.CosmosHeight, IsBootstrap: a.IsBootstrap,
		}, &res)
		if err == nil && res.ProtocolVersion != 1 {
			err = fmt.Errorf("kernel speaks protocol version %d, agd speaks 1", res.ProtocolVersion)
		}
		return lifecycle.KernelInitialized{KernelHeight: res.KernelHeight, ActivityHash: res.ActivityHash, Err: errText(err)}
	case lifecycle.CallKernelBegin:
		if err := block.check("swingset.BeginBlock", a.Height); err != nil {
			return lifecycle.KernelBegan{Height: a.Height, Err: errText(err)}
		}
		err := d.call(ctx, "swingset.BeginBlock", beginParams{BlockHeight: a.Height, BlockTime: block.time, ChainID: d.cfg.ChainID}, nil)
		return lifecycle.KernelBegan{Height: a.Height, Err: errText(err), Refused: isShutdownRefusal(err)}
	case lifecycle.CallKernelEnd:
		if err := block.check("swingset.EndBlock", a.Height); err != nil {
			return lifecycle.KernelEnded{Height: a.Height, Err: errText(err)}
		}
		actions := block.actions
		if actions == nil {
			actions = []json.RawMessage{} // the wire wants [], never null
		}
		var res endResult
		err := d.call(ctx, "swingset.EndBlock", endParams{
			BlockHeight: a.Height, BlockTime: block.time, Actions: actions, Params: block.params.wire(),
		}, &res)
		return lifecycle.KernelEnded{Height: a.Height, ActivityHash: res.ActivityHash, Err: errText(err)}
	case lifecycle.CallKernelRestore:
		var res restoreResult
		err := d.call(ctx, "swingset.Restore", restoreParams{BlockHeight: a.Height, SwingStore: block.restoreFrom}, &res)
		return lifecycle.KernelRestored{KernelHeight: res.KernelHeight, ActivityHash: res.ActivityHash, Err: errText(err)}
	case lifecycle.CallKernelCommit:
		var res commitResult
		err := d.call(ctx, "swingset.Commit", commitParams{BlockHeight: a.Height}, &res)
		return lifecycle.KernelCommitted{Height: a.Height, KernelHeight: res.KernelHeight, Err: errText(err), Refused: isShutdownRefusal(err)}
	case lifecycle.RecordActivityHash:
		out.activityHash = a.Hash
	case lifecycle.CommitCosmos:
		out.commitCosmos = true
	case lifecycle.RefuseBlock:
		out.refused = fmt.Errorf("%w: block %d refused: %s", ErrStopping, a.Height, a.Reason)
	case lifecycle.SignalKernel:
		if d.cfg.SignalKernel != nil {
			if err := d.cfg.SignalKernel(); err != nil {
				d.cfg.Logger.Error("forwarding SIGTERM to the kernel", "err", err)
			}
		}
	case lifecycle.Stop:
		d.stopOnce.Do(func() {
			d.stop = a
			close(d.stopped)
		})
		if out.refused == nil {
			out.refused = fmt.Errorf("%w: %s", ErrStopping, a.Reason)
		}
	default:
		panic(fmt.Sprintf("lifecycle driver: unknown action %T", act))
	}
	return nil
}

func (d *Driver) call(ctx context.Context, method string, params, result any) error {
	// swingset.Init is bounded by its caller (agd's --kernel-init-timeout):
	// a kernel's start may take far longer than one block's call.
	limit := d.cfg.CallTimeout
	if method == "swingset.Init" {
		if deadline, ok := ctx.Deadline(); ok {
			limit = time.Until(deadline)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	start := time.Now()
	err := d.cfg.Kernel.Call(ctx, method, params, result)
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%s got no answer from the kernel within %s: %w", method, limit.Round(time.Millisecond), err)
	}
	if err != nil {
		d.cfg.Logger.Error("kernel call failed", "method", method, "err", err, "after", time.Since(start))
	}
	return err
}

// isShutdownRefusal reports the kernel's -32001: it had SIGTERM and will not
// begin or commit a block. Whether that is a clean stop is the machine's call.
func isShutdownRefusal(err error) bool {
	var rpcErr *rpc.Error
	return errors.As(err, &rpcErr) && rpcErr.Code == rpc.CodeShuttingDown
}

// check refuses a block call for a height other than the one whose inputs
// the hook passed: the machine asks for a block's calls only from that
// block's own step, so a mismatch is a driver bug, and sending another
// block's time or actions would fork the kernel.
func (b blockInputs) check(method string, height int64) error {
	if b.height != height {
		return fmt.Errorf("%s(%d) asked for in a step that carries block %d's inputs", method, height, b.height)
	}
	return nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
