package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// chain is the chain under load: either nodes loadgen started itself or a
// running node it attached to.
type chain struct {
	agd     string
	chainID string
	nodeURL string // node0's CometBFT RPC
	home    string // node0's home: keyring and slog
	slog    string // node0's slog file, "" if unknown
	nodes   []*node
	logs    []string
	agdPid  int

	// exited receives each node that ends without loadgen stopping it.
	exited   chan *node
	stopOnce sync.Once
	stopErrs []error

	mesh *proxyMesh // the latency proxies between validators, if any
}

const localChainID = "agd-loadgen"

// startLocalChain writes a localnet under dir and starts every node with its
// kernel, each logging to dir/nodeI.log and writing its slog next to it.
// With shape, every validator-to-validator link goes through a proxy that
// adds that delay (see proxyMesh).
func startLocalChain(ctx context.Context, agd, dir string, validators int, blockTime time.Duration, startFlags []string, shape *linkShape) (*chain, error) {
	base, err := freeBasePort(validators)
	if err != nil {
		return nil, err
	}
	netDir := filepath.Join(dir, "chain")
	init := exec.CommandContext(ctx, agd, "localnet", "init", "--validators", strconv.Itoa(validators),
		"--dir", netDir, "--base-port", strconv.Itoa(base), "--chain-id", localChainID, "--block-time", blockTime.String())
	if out, err := init.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("agd localnet init: %w\n%s", err, out)
	}
	c := &chain{agd: agd, chainID: localChainID, nodeURL: fmt.Sprintf("tcp://127.0.0.1:%d", base+1),
		exited: make(chan *node, validators)}
	if shape != nil {
		var homes []string
		for i := 0; i < validators; i++ {
			homes = append(homes, filepath.Join(netDir, fmt.Sprintf("node%d", i)))
		}
		c.mesh, err = startProxyMesh(homes, *shape)
		if err != nil {
			c.mesh.stop()
			return nil, fmt.Errorf("latency proxies: %w", err)
		}
	}
	for i := 0; i < validators; i++ {
		home := filepath.Join(netDir, fmt.Sprintf("node%d", i))
		logPath := filepath.Join(dir, fmt.Sprintf("node%d.log", i))
		slogPath := filepath.Join(dir, fmt.Sprintf("node%d.slog.jsonl", i))
		logFile, err := os.Create(logPath)
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(agd, append([]string{"start", "--split", "--home", home, "--log_no_color"}, startFlags...)...)
		cmd.Env = append(os.Environ(), "SLOGFILE="+slogPath)
		cmd.Stdout, cmd.Stderr = logFile, logFile
		n, err := startNode(fmt.Sprintf("node%d", i), cmd, logPath, c.exited)
		logFile.Close() // the child holds its own copy
		if err != nil {
			c.stop()
			return nil, err
		}
		c.nodes = append(c.nodes, n)
		c.logs = append(c.logs, logPath)
		if i == 0 {
			c.home, c.slog, c.agdPid = home, slogPath, cmd.Process.Pid
		}
	}
	return c, nil
}

// attachChain uses a running node: nodeURL for RPC, home for the funded
// "validator" key; the agd process is found by its --home argument.
func attachChain(agd, nodeURL, home, slog, chainID string) (*chain, error) {
	c := &chain{agd: agd, chainID: chainID, nodeURL: nodeURL, home: home, slog: slog}
	c.agdPid = findAgd(home)
	if c.agdPid == 0 {
		return nil, fmt.Errorf("no running `agd start --home %s` found in /proc", home)
	}
	return c, nil
}

// findAgd looks for an agd start process serving home.
func findAgd(home string) int {
	abs, _ := filepath.Abs(home)
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
		if len(args) < 2 || filepath.Base(args[0]) != "agd" || args[1] != "start" {
			continue
		}
		for i, a := range args {
			if (a == "--home" && i+1 < len(args) && sameDir(args[i+1], abs)) || (strings.HasPrefix(a, "--home=") && sameDir(a[7:], abs)) {
				return pid
			}
		}
	}
	return 0
}

func sameDir(a, b string) bool {
	aa, _ := filepath.Abs(a)
	return aa == b
}

// waitReady waits until node0 has produced a block. A node that exits
// meanwhile fails it at once, naming how it ended.
func (c *chain) waitReady(ctx context.Context, tc *txClient) error {
	for {
		if h, err := tc.height(ctx); err == nil && h >= 2 {
			return nil
		}
		select {
		case n := <-c.exited:
			return fmt.Errorf("%w before the chain was ready: %w", errNodeExited, n.exitError())
		case <-ctx.Done():
			return fmt.Errorf("chain did not produce blocks: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// watchExits returns an error at the first node that exits on its own, or
// nil when ctx ends.
func (c *chain) watchExits(ctx context.Context) error {
	select {
	case n := <-c.exited:
		return fmt.Errorf("%w during the run: %w", errNodeExited, n.exitError())
	case <-ctx.Done():
		return nil
	}
}

// unreportedExits drains the nodes that ended on their own and that no
// watcher reported (between the end of the run and stop).
func (c *chain) unreportedExits() []error {
	var errs []error
	for {
		select {
		case n := <-c.exited:
			errs = append(errs, fmt.Errorf("%w: %w", errNodeExited, n.exitError()))
		default:
			return errs
		}
	}
}

// stop sends SIGTERM to the nodes loadgen started and waits for them. It
// returns one error per node that did not exit 0; later calls return the
// same errors without signalling again.
func (c *chain) stop() []error {
	c.stopOnce.Do(func() {
		for _, n := range c.nodes {
			n.stopping.Store(true)
		}
		errs := make([]error, len(c.nodes))
		var wg sync.WaitGroup
		for i, n := range c.nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = n.stop(60 * time.Second)
			}()
		}
		wg.Wait()
		c.mesh.stop()
		for _, err := range errs {
			if err != nil {
				c.stopErrs = append(c.stopErrs, err)
			}
		}
	})
	return c.stopErrs
}

// errConsensusFailure stops the run the moment any node reports one.
var errConsensusFailure = errors.New("CONSENSUS FAILURE")

// watchLogs follows the nodes' logs and returns at the first consensus
// failure, or when ctx ends.
func watchLogs(ctx context.Context, paths []string) error {
	found := make(chan error, len(paths))
	for _, p := range paths {
		go func(path string) {
			err := followLines(ctx, path, func(line string) bool {
				if strings.Contains(line, "CONSENSUS FAILURE") {
					found <- fmt.Errorf("%w in %s: %s", errConsensusFailure, path, line)
					return false
				}
				return true
			})
			_ = err
		}(p)
	}
	select {
	case err := <-found:
		return err
	case <-ctx.Done():
		return nil
	}
}

// followLines calls fn for every line of path, as it is written, until fn
// returns false or ctx ends.
func followLines(ctx context.Context, path string, fn func(string) bool) error {
	var f *os.File
	for f == nil {
		var err error
		if f, err = os.Open(path); err != nil {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var partial strings.Builder
	for {
		chunk, err := r.ReadString('\n')
		partial.WriteString(chunk)
		if err == nil {
			if !fn(strings.TrimRight(partial.String(), "\n")) {
				return nil
			}
			partial.Reset()
			continue
		}
		if !errors.Is(err, io.EOF) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// freeBasePort finds a free port range on 127.0.0.1 for the localnet.
func freeBasePort(validators int) (int, error) {
	for base := 31000; base < 60000; base += 500 {
		ok := true
		for p := base; p < base+10*validators && ok; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				ok = false
				continue
			}
			l.Close()
		}
		if ok {
			return base, nil
		}
	}
	return 0, errors.New("no free port range on 127.0.0.1")
}
