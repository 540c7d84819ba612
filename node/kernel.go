package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"cosmossdk.io/log"

	"github.com/agd-project/agd/lifecycle/driver"
	"github.com/agd-project/agd/metrics"
	"github.com/agd-project/agd/rpc"
	"github.com/agd-project/agd/supervisor"
)

// kernelOptions are the start flags that concern the kernel.
type kernelOptions struct {
	split       string
	agvmDir     string
	initTimeout time.Duration
	callTimeout time.Duration
	// slogSink receives the kernel's slog.Write batches (the flight recorder).
	slogSink func(context.Context, json.RawMessage) (any, error)
	// env is the kernel's environment (nil: agd's own).
	env []string
	// metrics receives the kernel's call timings, requests and errors.
	metrics *metrics.Metrics
}

func (o kernelOptions) argv() ([]string, error) {
	if o.split != SplitDefault {
		argv := supervisor.SplitCommand(o.split)
		if len(argv) == 0 {
			return nil, errors.New("--split=COMMAND: the command is empty")
		}
		return argv, nil
	}
	dir, err := supervisor.FindAgvmDir(o.agvmDir)
	if err != nil {
		return nil, fmt.Errorf("find the kernel: %w", err)
	}
	return supervisor.DefaultCommand(dir)
}

// errNoSplit explains why agd will not run without its kernel.
var errNoSplit = errors.New("agd start needs --split: this chain's consensus state includes its kernel's " +
	"activity hash, and agd has no in-process kernel, so a node without its kernel would fork from the chain; " +
	"run `agd start --split`")

// runningKernel is a started kernel child and the connection to it.
type runningKernel struct {
	child   *supervisor.Kernel
	conn    *rpc.Conn
	driver  *driver.Driver
	metrics *metrics.Metrics
	clock   *blockClock
	argv    []string
}

// startKernel starts the kernel child, connects to it and runs the
// swingset.Init handshake for agd's committed height.
func startKernel(logger log.Logger, home, chainID string, opts kernelOptions, services kernelServices,
	cosmosHeight int64, activityHash string, shutdown *shutdownRequest) (*runningKernel, error) {
	argv, err := opts.argv()
	if err != nil {
		return nil, err
	}
	child, err := supervisor.Start(supervisor.Config{
		Argv:     argv,
		Env:      opts.env,
		StateDir: filepath.Join(home, "data", "agvm"),
		Logger:   logger,
	})
	if err != nil {
		return nil, fmt.Errorf("start kernel %q: %w", strings.Join(argv, " "), err)
	}
	logger.Info("kernel started", "pid", child.Pid(), "command", strings.Join(argv, " "))

	mux := rpc.NewMux()
	registerKernelServices(mux, services, opts.slogSink)
	clock := &blockClock{}
	handler := countedHandler{next: mux, metrics: opts.metrics}
	conn := rpc.NewConn(child.FromKernel(), child.ToKernel(), handler, rpc.WithLogger(slogFor(logger.With("module", "rpc"))))

	d := driver.New(driver.Config{
		Kernel:   timedCaller{next: conn, metrics: opts.metrics, clock: clock},
		Notifier: conn,
		ChainID:  chainID,
		SignalKernel: func() error {
			// The driver logs a failure and goes on stopping. The kernel
			// alone: it answers its in-flight call and stops its workers
			// itself; a worker signalled mid-block would fail the block.
			err := child.SignalKernel(syscall.SIGTERM)
			if err != nil {
				opts.metrics.Unpropagated(metrics.SiteSignalKernel)
			}
			return err
		},
		CallTimeout: opts.callTimeout,
		Logger:      logger.With("module", "lifecycle"),
	})
	rk := &runningKernel{child: child, conn: conn, driver: d, metrics: opts.metrics, clock: clock, argv: argv}
	if err := opts.metrics.WatchKernel(func() int64 { h, _ := d.CommittedHeights(); return h }, child.Pid()); err != nil {
		rk.abandon()
		return nil, err
	}

	ctx, cancel := context.WithTimeout(context.Background(), opts.initTimeout)
	defer cancel()
	// The machine learns of a signal first, so when the cancelled
	// handshake's failure reaches it, it is a shutdown and not a failure.
	shutdown.forwardTo(func(name string) {
		d.Signal(name)
		cancel()
	})
	if err := d.Init(ctx, cosmosHeight, activityHash); err != nil {
		rk.abandon()
		if stop, ok := d.Decision(); ok && stop.ExitCode == 0 {
			sig, _ := shutdown.received()
			return nil, &shutDownInStartup{signal: signalName(sig), reason: stop.Reason,
				kernel: fmt.Sprintf("pid %d stopped (%s)", child.Pid(), child.ExitStatus())}
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("kernel %q did not answer swingset.Init within %s (--%s): %w",
				strings.Join(argv, " "), opts.initTimeout, FlagKernelInitTimeout, err)
		}
		if exitErr := child.Err(); exitErr != nil {
			return nil, fmt.Errorf("kernel handshake failed: %w; %v", err, exitErr)
		}
		return nil, fmt.Errorf("kernel handshake with %q failed: %w", strings.Join(argv, " "), err)
	}
	kernelHeight, _ := d.CommittedHeights()
	logger.Info("kernel ready", "kernel_height", kernelHeight, "cosmos_height", cosmosHeight)
	return rk, nil
}

// abandon closes the connection (the kernel sees EOF) and stops the child,
// waiting until it is reaped.
func (rk *runningKernel) abandon() {
	_ = rk.conn.Close() // always nil
	rk.child.Stop(5 * time.Second)
	countClose(rk.metrics, metrics.SiteKernelPipeClose, rk.child.ToKernel().Close())
	countClose(rk.metrics, metrics.SiteKernelPipeClose, rk.child.FromKernel().Close())
}

// shutDownInStartup is startKernel's report that a signal stopped agd during
// the kernel's start or handshake, and that the kernel was stopped and
// reaped: a clean shutdown, not a failure.
type shutDownInStartup struct {
	signal, reason, kernel string
}

func (e *shutDownInStartup) Error() string {
	return fmt.Sprintf("shut down on %s during start-up: %s; kernel %s", e.signal, e.reason, e.kernel)
}
