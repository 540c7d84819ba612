// Package e2e runs the real agd binary: real CometBFT nodes producing blocks
// on 127.0.0.1, driven through the CLI as an operator would.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"cosmossdk.io/store/rootmulti"
	dbm "github.com/cometbft/cometbft-db"
	cmtstore "github.com/cometbft/cometbft/store"
	cosmosdb "github.com/cosmos/cosmos-db"
	"github.com/cosmos/cosmos-sdk/types/bech32"
)

var (
	buildOnce sync.Once
	agdPath   string
	buildErr  error
)

// repoRoot is two levels up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// agdBinary builds agd once per test run, or uses AGD_BIN (the Makefile sets
// it to the binary it just built, so the suite tests what `make` shipped).
func agdBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("AGD_BIN"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "agd-e2e-bin-")
		if err != nil {
			buildErr = err
			return
		}
		agdPath = filepath.Join(dir, "agd")
		cmd := exec.Command("go", "build", "-o", agdPath, "./cmd/agd")
		cmd.Dir = repoRoot(t)
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return agdPath
}

// testAddress is a valid agoric address nobody holds a key for.
func testAddress(t *testing.T, seed byte) string {
	t.Helper()
	raw := bytes.Repeat([]byte{seed}, 20)
	addr, err := bech32.ConvertAndEncode("agoric", raw)
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// agd runs one agd CLI command and returns its combined output.
func agd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, agdBinary(t), args...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func mustAgd(t *testing.T, args ...string) string {
	t.Helper()
	out, err := agd(t, args...)
	if err != nil {
		t.Fatalf("agd %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// freeBasePort finds a base port whose whole localnet range is free on
// 127.0.0.1. Random starting points keep parallel test binaries apart. The
// range lies below the kernel's ephemeral ports (ip_local_port_range), which
// outgoing connections take at random: a node restarted late in a test must
// find its ports still free.
func freeBasePort(t *testing.T, validators int) int {
	t.Helper()
	ephemeral := 32768
	if raw, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(raw)); len(f) == 2 {
			if low, err := strconv.Atoi(f[0]); err == nil {
				ephemeral = low
			}
		}
	}
	const first, stride = 10000, 100
	slots := (ephemeral - first - 10*validators) / stride
	if slots < 1 {
		t.Fatalf("no port range below the ephemeral ports (%d)", ephemeral)
	}
	for attempt := 0; attempt < 200; attempt++ {
		base := first + rand.IntN(slots)*stride
		ok := true
		for p := base; p < base+10*validators; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port range on 127.0.0.1")
	return 0
}

// localnet is a chain written by `agd localnet init`.
type localnet struct {
	dir      string
	basePort int
	chainID  string
}

func newLocalnet(t *testing.T, validators int, extra ...string) *localnet {
	t.Helper()
	nodes := validators
	for i, arg := range extra {
		if arg == "--full-nodes" && i+1 < len(extra) {
			full, _ := strconv.Atoi(extra[i+1])
			nodes += full
		}
	}
	ln := &localnet{dir: t.TempDir(), basePort: freeBasePort(t, nodes), chainID: "agd-e2e"}
	args := append([]string{"localnet", "init", "--validators", strconv.Itoa(validators), "--dir", ln.dir,
		"--base-port", strconv.Itoa(ln.basePort), "--chain-id", ln.chainID, "--block-time", "200ms"}, extra...)
	mustAgd(t, args...)
	return ln
}

func (ln *localnet) home(i int) string { return filepath.Join(ln.dir, fmt.Sprintf("node%d", i)) }
func (ln *localnet) rpcURL(i int) string {
	return fmt.Sprintf("http://127.0.0.1:%d", ln.basePort+10*i+1)
}
func (ln *localnet) nodeFlag(i int) string {
	return fmt.Sprintf("tcp://127.0.0.1:%d", ln.basePort+10*i+1)
}

// runningNode is one `agd start` process.
type runningNode struct {
	cmd  *exec.Cmd
	log  *bytes.Buffer
	done chan struct{}
	err  error
	mu   sync.Mutex
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (ln *localnet) start(t *testing.T, i int, extra ...string) *runningNode {
	t.Helper()
	args := append([]string{"start", "--home", ln.home(i), "--log_no_color"}, extra...)
	return startCommand(t, fmt.Sprintf("node%d", i), exec.Command(agdBinary(t), args...))
}

// startCommand starts cmd, an `agd start`, collecting its output; the test's
// cleanup kills it if it still runs and shows its log if the test failed.
func startCommand(t *testing.T, name string, cmd *exec.Cmd) *runningNode {
	t.Helper()
	n := &runningNode{cmd: cmd, log: &bytes.Buffer{}, done: make(chan struct{})}
	w := lockedWriter{mu: &n.mu, b: n.log}
	n.cmd.Stdout, n.cmd.Stderr = w, w
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		n.err = n.cmd.Wait()
		close(n.done)
	}()
	t.Cleanup(func() {
		select {
		case <-n.done:
		default:
			_ = n.cmd.Process.Kill()
			<-n.done
		}
		if t.Failed() {
			t.Logf("%s log (last 4 KiB):\n%s", name, tail(n.logText(), 4096))
		}
	})
	return n
}

func (n *runningNode) logText() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.log.String()
}

func tail(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return s[len(s)-max:]
}

// waitExit waits for the node to exit and returns its exit code.
func (n *runningNode) waitExit(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case <-n.done:
	case <-time.After(within):
		t.Fatalf("agd did not exit within %s", within)
	}
	if n.err == nil {
		return 0
	}
	if ee, ok := n.err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	t.Fatalf("wait: %v", n.err)
	return -1
}

// storedHeight reads a stopped node's databases for the last block it
// stored: the higher of the application's committed version (application.db,
// which agd opens before anything else) and the last block in CometBFT's
// block store, which holds a block before the application runs it (and is
// absent if CometBFT never started, which agd does only after the kernel
// handshake).
func storedHeight(t *testing.T, home string) int64 {
	t.Helper()
	dir := filepath.Join(home, "data")
	h := appHeight(t, home)
	if _, err := os.Stat(filepath.Join(dir, "blockstore.db")); err == nil {
		db, err := dbm.NewGoLevelDB("blockstore", dir)
		if err != nil {
			t.Fatalf("open block store: %v", err)
		}
		defer db.Close()
		h = max(h, cmtstore.NewBlockStore(db).Height())
	}
	return h
}

// appHeight reads a stopped node's application database for the height its
// cosmos state committed last: what `agd snapshots export` exports. The
// block store may hold one block more (stored, then refused at shutdown).
func appHeight(t *testing.T, home string) int64 {
	t.Helper()
	dir := filepath.Join(home, "data")
	if _, err := os.Stat(filepath.Join(dir, "application.db")); err != nil {
		t.Fatalf("no application database: %v", err)
	}
	appDB, err := cosmosdb.NewGoLevelDB("application", dir, nil)
	if err != nil {
		t.Fatalf("open application database: %v", err)
	}
	defer appDB.Close()
	return rootmulti.GetLatestVersion(appDB)
}

// height asks the node's CometBFT RPC for its latest block height.
func (ln *localnet) height(i int) (int64, error) {
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(ln.rpcURL(i) + "/status")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var status struct {
		Result struct {
			SyncInfo struct {
				LatestBlockHeight string `json:"latest_block_height"`
			} `json:"sync_info"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&status); err != nil {
		return 0, err
	}
	return strconv.ParseInt(status.Result.SyncInfo.LatestBlockHeight, 10, 64)
}

func (ln *localnet) waitHeight(t *testing.T, i int, want int64, within time.Duration, n *runningNode) int64 {
	t.Helper()
	h, err := ln.awaitHeight(i, want, within, n)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// awaitHeight waits for node i to reach height want and returns its height,
// or says why it did not: the node exited (when n is given), or time ran out.
func (ln *localnet) awaitHeight(i int, want int64, within time.Duration, n *runningNode) (int64, error) {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if n != nil {
			select {
			case <-n.done:
				return 0, fmt.Errorf("node%d exited while waiting for height %d: %v", i, want, n.err)
			default:
			}
		}
		if h, err := ln.height(i); err == nil && h >= want {
			return h, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return 0, fmt.Errorf("node%d did not reach height %d within %s", i, want, within)
}

// editAppToml replaces one line of a home's app.toml, failing if the line
// is not there (the template changed and the test would test nothing).
func editAppToml(t *testing.T, home, old, replacement string) {
	t.Helper()
	path := filepath.Join(home, "config", "app.toml")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), old) {
		t.Fatalf("%s has no line %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(raw), old, replacement, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}
