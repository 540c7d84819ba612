package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	coretypes "github.com/cometbft/cometbft/rpc/core/types"

	"github.com/agd-project/agd/internal/proc"

	vstoragetypes "github.com/agd-project/agd/x/vstorage/types"

	swingsettypes "github.com/agd-project/agd/x/swingset/types"
)

// The kernel benchmark (`loadgen --bench-kernel N`, `make bench-kernel`):
// metered deliveries per second of the counter contract's trivial bump()
// through agd end to end, against the same work on the same SwingSet driven
// in process with no agd and no pipes (agvm/bench/bench.js), round after
// round in one run so that both see the same machine load.
//
// An agd round signs N MsgDeliverInbound ahead, broadcasts them all, and
// waits until every outcome is published. Its time comes from node0's slog:
// from the cosmic-swingset-begin-block of the first block that carried a
// delivery to the commit-block-finish of the block that published the last
// outcome; that span holds everything agd does for those blocks (CheckTx,
// consensus, the pipes, the modules, the commits, the pause between blocks).
// The bare round then feeds bench.js the same number of deliveries per
// block that agd's kernel received (x/swingset's max_actions_per_block
// spreads them), under the same default computron budget, and times the
// same span by the same slog markers. The bare kernel is one process for
// the whole run, so its history grows round by round like agd's kernel's,
// and agd is paused (SIGSTOP) while it runs.

// benchFigures is one round's result, agd's or bare's.
type benchFigures struct {
	Deliveries       int
	Blocks           int
	Seconds          float64
	KernelMsPerBlock float64
	Computrons       float64
}

func (f benchFigures) perSecond() float64 { return float64(f.Deliveries) / f.Seconds }

func (f benchFigures) String() string {
	return fmt.Sprintf("deliveries=%d blocks=%d seconds=%.3f deliveries_per_s=%.1f ms_per_block=%.1f kernel_ms_per_block=%.1f computrons_per_s=%.0f",
		f.Deliveries, f.Blocks, f.Seconds, f.perSecond(), 1000*f.Seconds/float64(f.Blocks), f.KernelMsPerBlock, f.Computrons/f.Seconds)
}

// benchWarmBumps are delivered before any round, so the contract vat's
// first heap snapshots (SwingSet takes one early in a vat's life) fall
// outside the timed span, as in bench.js.
const benchWarmBumps = 5

// runKernelBench installs the counter contract and runs rounds of n
// deliveries, each agd round followed by a bare one.
// stopInclusion ends loadgen's block follower once the contract is
// installed: fetching every block and its results over RPC took a tenth of
// a core from the node being measured, so rounds wait on the slog instead.
func runKernelBench(ctx context.Context, o options, tc *txClient, c *chain, accounts []*account, stopInclusion func()) error {
	if c.slog == "" {
		return fmt.Errorf("--bench-kernel needs node0's slog file")
	}
	bare, err := startBareKernel(ctx, o.benchNode)
	if err != nil {
		return err
	}
	defer bare.close()
	funder := accounts[0]
	res, err := submitAndWait(ctx, tc, func(ctx context.Context) ([]byte, error) {
		return tc.broadcastWithGas(ctx, funder, 20_000_000, &swingsettypes.MsgInstallBundle{Submitter: funder.address.String(), Bundle: counterBundle})
	})
	if err != nil {
		return fmt.Errorf("install the counter: %w", err)
	}
	if err := awaitOutcome(ctx, tc, "install", res.Included); err != nil {
		return err
	}
	vat, err := installedVat(ctx, tc, actionID(res.Included))
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: counter installed as %s\n", vat)
	stopInclusion()
	nodeSlog := newBenchSlog(c.slog)
	if _, _, err := benchAgdRound(ctx, tc, nodeSlog, accounts, vat, benchWarmBumps); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	if err := bare.ready(); err != nil {
		return err
	}
	var ratios []float64
	var agdAll, bareAll benchFigures
	for round := 1; round <= o.benchRounds; round++ {
		agd, schedule, err := benchAgdRound(ctx, tc, nodeSlog, accounts, vat, o.benchKernel)
		if err != nil {
			return fmt.Errorf("round %d, agd: %w", round, err)
		}
		fmt.Printf("round %d agd:  %s\n", round, agd)
		resume, err := pauseChain(c.agdPid)
		if err != nil {
			return err
		}
		bareFig, err := bare.round(schedule)
		if rerr := resume(); rerr != nil && err == nil {
			err = rerr
		}
		if err == nil {
			err = reconnect(ctx, tc)
		}
		if err != nil {
			return fmt.Errorf("round %d, bare: %w", round, err)
		}
		fmt.Printf("round %d bare: %s\n", round, bareFig)
		ratio := agd.perSecond() / bareFig.perSecond()
		ratios = append(ratios, ratio)
		fmt.Printf("round %d ratio agd/bare=%.3f (schedule %s)\n", round, ratio, joinInts(schedule))
		agdAll.Deliveries += agd.Deliveries
		agdAll.Seconds += agd.Seconds
		bareAll.Deliveries += bareFig.Deliveries
		bareAll.Seconds += bareFig.Seconds
	}
	fmt.Printf("bench-kernel: ratios %s\n", joinFloats(ratios))
	// One slow round (the machine's other load) moves a round's ratio by
	// ±20% on a shared 2-core machine; all rounds together move less.
	fmt.Printf("bench-kernel: all rounds: agd %.1f deliveries/s, bare %.1f, agd/bare=%.3f; median round %.3f\n",
		agdAll.perSecond(), bareAll.perSecond(), agdAll.perSecond()/bareAll.perSecond(), median(ratios))
	return nil
}

// benchAgdRound delivers n bumps through the chain and reads the round's
// figures and the per-block schedule of actions from the slog. Action ids
// are consecutive and nothing else queues actions meanwhile, so the round's
// are the n after the last one the slog published.
func benchAgdRound(ctx context.Context, tc *txClient, nodeSlog *benchSlog, accounts []*account, vat string, n int) (benchFigures, []int, error) {
	h0, err := tc.height(ctx)
	if err != nil {
		return benchFigures{}, nil, err
	}
	if err := nodeSlog.poll(); err != nil {
		return benchFigures{}, nil, err
	}
	base := nodeSlog.lastID
	if err := benchDeliveries(ctx, tc, accounts, vat, n); err != nil {
		return benchFigures{}, nil, err
	}
	ids := map[string]bool{}
	for i := base + 1; i <= base+uint64(n); i++ {
		ids[strconv.FormatUint(i, 10)] = true
	}
	deadline := time.Now().Add(10 * time.Minute)
	for {
		err := nodeSlog.poll()
		var f benchFigures
		var schedule []int
		if err == nil {
			f, schedule, err = nodeSlog.round(h0, ids)
		}
		if err == nil {
			return f, schedule, checkOutcome(ctx, tc, base+uint64(n))
		}
		if time.Now().After(deadline) {
			return benchFigures{}, nil, err
		}
		select {
		case <-ctx.Done():
			return benchFigures{}, nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// checkOutcome reads one published outcome and fails if it is no result.
func checkOutcome(ctx context.Context, tc *txClient, id uint64) error {
	path := fmt.Sprintf("published.swingset.deliver.%d", id)
	res, err := vstoragetypes.NewQueryClient(tc.clientCtx).Data(ctx, &vstoragetypes.QueryDataRequest{Path: path})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if !strings.HasPrefix(res.Value, `{"result":`) {
		return fmt.Errorf("%s is %q, want a result", path, res.Value)
	}
	return nil
}

// benchDeliveries signs n deliveries of vat.bump() spread over the
// accounts, then broadcasts them (each account's in sequence order).
func benchDeliveries(ctx context.Context, tc *txClient, accounts []*account, vat string, n int) error {
	signed := make([][][]byte, len(accounts))
	for i, a := range accounts {
		count := n / len(accounts)
		if i < n%len(accounts) {
			count++
		}
		msg := &swingsettypes.MsgDeliverInbound{Submitter: a.address.String(), Target: vat, Method: "bump", Args: "[]"}
		txs, err := tc.signAhead(ctx, a, count, msg)
		if err != nil {
			return err
		}
		signed[i] = txs
	}
	var wg sync.WaitGroup
	errs := make([]error, len(accounts))
	for i := range accounts {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for _, txBytes := range signed[i] {
				if err := benchBroadcast(ctx, tc, txBytes); err != nil {
					errs[i] = fmt.Errorf("broadcast from %s: %w", accounts[i].name, err)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	return errors.Join(errs...)
}

// reconnect reads the height until it works: the node may have closed
// pooled HTTP connections while it was paused.
func reconnect(ctx context.Context, tc *txClient) error {
	var err error
	for try := 0; try < 20; try++ {
		if _, err = tc.height(ctx); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the node after its pause: %w", err)
}

// benchBroadcast submits one signed tx. A pooled HTTP connection that the
// node closed while it was paused for the bare round fails with EOF: the tx
// is sent again, and "already in the cache" then means it got in.
func benchBroadcast(ctx context.Context, tc *txClient, txBytes []byte) error {
	var err error
	for try := 0; try < 5; try++ {
		var res *coretypes.ResultBroadcastTx
		res, err = tc.rpc.BroadcastTxSync(ctx, txBytes)
		if err != nil {
			if try > 0 && strings.Contains(err.Error(), "already exists in cache") {
				return nil
			}
			continue // transport error: the connection, not the tx
		}
		if res.Code != 0 {
			return fmt.Errorf("CheckTx code %d: %s", res.Code, res.Log)
		}
		return nil
	}
	return err
}

// installedVat reads the contract's vat name from the install outcome.
func installedVat(ctx context.Context, tc *txClient, id string) (string, error) {
	q := vstoragetypes.NewQueryClient(tc.clientCtx)
	res, err := q.Data(ctx, &vstoragetypes.QueryDataRequest{Path: "published.swingset.install." + id})
	if err != nil {
		return "", err
	}
	var out struct {
		VatID string `json:"vatID"`
	}
	if err := json.Unmarshal([]byte(res.Value), &out); err != nil || out.VatID == "" {
		return "", fmt.Errorf("install %s published %q", id, res.Value)
	}
	return out.VatID, nil
}

// bareKernel is agvm/bench/bench.js in its BENCH_STDIN mode: one kernel,
// warmed once, that runs each schedule written to it and keeps its history
// from round to round as agd's kernel does.
type bareKernel struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines *bufio.Scanner
}

func startBareKernel(ctx context.Context, node string) (*bareKernel, error) {
	cmd := exec.CommandContext(ctx, node, filepath.Join("agvm", "bench", "bench.js"))
	cmd.Env = append(os.Environ(), "BENCH_STDIN=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s agvm/bench/bench.js: %w", node, err)
	}
	return &bareKernel{cmd: cmd, stdin: stdin, lines: bufio.NewScanner(stdout)}, nil
}

// ready waits for the bare kernel's "ready" (booted, contract installed, warm).
func (b *bareKernel) ready() error {
	for b.lines.Scan() {
		if b.lines.Text() == "ready" {
			return nil
		}
	}
	return fmt.Errorf("bench.js ended before it was ready: %v", b.lines.Err())
}

// round runs one schedule and reads its figures.
func (b *bareKernel) round(schedule []int) (benchFigures, error) {
	if _, err := fmt.Fprintln(b.stdin, joinInts(schedule)); err != nil {
		return benchFigures{}, fmt.Errorf("bench.js: %w", err)
	}
	for b.lines.Scan() {
		if rest, ok := strings.CutPrefix(b.lines.Text(), "agvm: "); ok {
			return parseBareLine(rest)
		}
	}
	return benchFigures{}, fmt.Errorf("bench.js ended without figures: %v", b.lines.Err())
}

func (b *bareKernel) close() {
	_ = b.stdin.Close()
	_ = b.cmd.Wait()
}

// pauseChain stops agd and its kernel's process group (the kernel and its
// xsnap workers) with SIGSTOP while the bare kernel runs, so that the idle
// chain's empty blocks take no CPU from it; resume continues them.
func pauseChain(agdPid int) (resume func() error, err error) {
	kids := proc.Children(agdPid)
	if err := syscall.Kill(agdPid, syscall.SIGSTOP); err != nil {
		return nil, fmt.Errorf("pause agd: %w", err)
	}
	for _, k := range kids {
		_ = syscall.Kill(-k, syscall.SIGSTOP) // the kernel leads its own group
	}
	return func() error {
		for _, k := range kids {
			_ = syscall.Kill(-k, syscall.SIGCONT)
		}
		if err := syscall.Kill(agdPid, syscall.SIGCONT); err != nil {
			return fmt.Errorf("resume agd: %w", err)
		}
		return nil
	}, nil
}

// parseBareLine reads bench.js's key=value figures.
func parseBareLine(s string) (benchFigures, error) {
	kv := map[string]float64{}
	for _, field := range strings.Fields(s) {
		k, v, ok := strings.Cut(field, "=")
		if !ok {
			continue
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return benchFigures{}, fmt.Errorf("bench.js figure %q: %w", field, err)
		}
		kv[k] = x
	}
	f := benchFigures{
		Deliveries:       int(kv["deliveries"]),
		Blocks:           int(kv["blocks"]),
		Seconds:          kv["seconds"],
		KernelMsPerBlock: kv["kernel_ms_per_block"],
		Computrons:       kv["computrons"],
	}
	if f.Deliveries == 0 || f.Blocks == 0 || f.Seconds <= 0 {
		return f, fmt.Errorf("bench.js line %q lacks deliveries, blocks or seconds", s)
	}
	return f, nil
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

func joinFloats(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprintf("%.3f", x)
	}
	return strings.Join(s, " ")
}

// median of xs (sorted in place); 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
