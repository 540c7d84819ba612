package e2e

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/agd-project/agd/internal/proc"
)

var (
	chaosTrials     = flag.Int("chaos.trials", 20, "faults to inject, one per trial (make chaos runs 500)")
	chaosValidators = flag.Int("chaos.validators", 1, "validators; each fault hits one node, the others must go on making blocks")
)

// A fault is one way the machine can go wrong under a node.
type fault string

const (
	faultSigterm    fault = "sigterm"        // SIGTERM to agd, start-up included
	faultKillAgd    fault = "kill9-agd"      // SIGKILL to agd
	faultKillKernel fault = "kill9-kernel"   // SIGKILL to the kernel
	faultKillWorker fault = "kill9-worker"   // SIGKILL to one of the kernel's worker processes
	faultStopKernel fault = "sigstop-kernel" // SIGSTOP the kernel past the call timeout, then SIGCONT
	faultDiskFull   fault = "disk-full"      // the kernel's state folder runs out of space
	faultClosePipe  fault = "close-pipe"     // the kernel closes its end of a protocol pipe
)

// chaosCallTimeout is agd's --kernel-call-timeout in the chaos chain, so a
// frozen kernel is noticed within a trial.
const chaosCallTimeout = 5 * time.Second

// exitCause is what a stopped node must show: its exit code (-1 for death by
// the signal named) and what its last log line must say.
type exitCause struct {
	code     int
	signal   syscall.Signal
	lastLine *regexp.Regexp
}

// expectedExit is the documented exit for each fault (README "Exit codes").
var expectedExit = map[fault]exitCause{
	faultSigterm:    {code: 0, lastLine: regexp.MustCompile(`shut down cleanly`)},
	faultKillAgd:    {code: -1, signal: syscall.SIGKILL},
	faultKillKernel: {code: 1, lastLine: regexp.MustCompile(`kernel.*(killed|SIGKILL)|(killed|SIGKILL).*kernel`)},
	faultKillWorker: {code: 1, lastLine: regexp.MustCompile(`(?i)worker|vat`)},
	faultStopKernel: {code: 1, lastLine: regexp.MustCompile(`no answer from the kernel within`)},
	faultDiskFull:   {code: 1, lastLine: regexp.MustCompile(`(?i)full|ENOSPC|no space`)},
	// gdb stops the kernel while it attaches, which under load can outlast
	// the call timeout, and its injected call can crash a Node process: the
	// cause named is then the timeout or the crash, which is what happened.
	faultClosePipe: {code: 1, lastLine: regexp.MustCompile(`closed|EOF|EPIPE|broken pipe|no answer from the kernel within|kernel's end: killed by signal`)},
}

// TestChaos injects random faults into a chain carrying bank transfers and
// kernel deliveries, restarting the node after each, and then asks an
// oracle that owes nothing to agd's own bookkeeping: a fresh full node from
// the same genesis must block-sync the whole disturbed chain, checking every
// AppHash, and reach its tip. After every trial no process of the node may
// be left alive or unreaped, its last log line must name the cause, and its
// exit code must be the one the README documents for that fault.
//
// make test runs 20 trials; make chaos runs 500 on one validator and a
// 4-validator variant. The seed is printed; AGD_E2E_SEED replays it.
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real chains")
	}
	// Orphans are re-parented to this process, so it sees (and reaps) any
	// process a node leaves behind instead of trusting the machine's init.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatalf("become a subreaper: %v", err)
	}
	validators := *chaosValidators
	ln := newLocalnet(t, validators, "--full-nodes", "1")
	follower := validators // the full node's index
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("AGD_E2E_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	rng := rand.New(rand.NewPCG(seed, 12))
	t.Logf("chaos seed %d (replay with AGD_E2E_SEED=%d)", seed, seed)

	c := &chaos{t: t, ln: ln, rng: rng, nodes: make([]*runningNode, validators), lastHeight: make([]int64, validators),
		faults: map[fault]int{}}
	for i := range validators {
		c.disks = append(c.disks, mountKernelDisk(t, ln.home(i)))
		c.nodes[i] = c.start(i)
	}
	for i := range validators {
		ln.waitHeight(t, i, 2, 120*time.Second, c.nodes[i])
	}
	menu := c.menu()
	t.Logf("faults in play: %v", menu)

	traffic, stopTraffic := context.WithCancel(context.Background())
	sent := make(chan int, 1)
	go func() { sent <- sendTrafficUntil(traffic, t, ln) }()

	for trial := 0; trial < *chaosTrials; trial++ {
		c.trial(trial, menu[rng.IntN(len(menu))])
	}

	// New blocks after the last restart.
	h := ln.waitHeight(t, 0, 1, 120*time.Second, c.nodes[0])
	top := ln.waitHeight(t, 0, h+5, 120*time.Second, c.nodes[0])
	stopTraffic()
	accepted := <-sent

	// The oracle.
	divergences := 0
	oracle := ln.start(t, follower, "--split")
	if _, err := ln.awaitHeight(follower, top, 300*time.Second, oracle); err != nil {
		divergences++
		t.Errorf("a full node could not block-sync the disturbed chain to height %d: %v\n%s", top, err, tail(oracle.logText(), 3000))
	}
	c.stop(oracle)
	for i := range validators {
		c.stop(c.nodes[i])
	}
	kinds := make([]string, 0, len(c.faults))
	for k, n := range c.faults {
		kinds = append(kinds, fmt.Sprintf("%s:%d", k, n))
	}
	sort.Strings(kinds)
	t.Logf("%d transactions accepted during the trials; the chain reached height %d", accepted, top)
	summary := fmt.Sprintf("chaos: trials=%d faults=%s divergences=%d orphans=%d failed_restarts=%d",
		*chaosTrials, strings.Join(kinds, ","), divergences, c.orphans, c.failedRestarts)
	fmt.Println(summary)
	t.Log(summary)
	if c.orphans > 0 || c.failedRestarts > 0 || accepted == 0 {
		t.Fatalf("%s (transactions accepted: %d)", summary, accepted)
	}
}

// chaos is the state of one chaos run.
type chaos struct {
	t     *testing.T
	ln    *localnet
	rng   *rand.Rand
	nodes []*runningNode
	disks []*kernelDisk
	// lastHeight is each node's height when it last came back.
	lastHeight []int64
	faults     map[fault]int

	orphans, failedRestarts int
}

func (c *chaos) start(i int) *runningNode {
	return c.ln.start(c.t, i, "--split", "--kernel-call-timeout", chaosCallTimeout.String())
}

// menu is the faults this machine can inject: a full disk needs the small
// filesystem, a worker kill needs a kernel with worker processes.
func (c *chaos) menu() []fault {
	menu := []fault{faultSigterm, faultSigterm, faultKillAgd, faultKillKernel, faultStopKernel, faultClosePipe}
	if c.disks[0] != nil {
		menu = append(menu, faultDiskFull)
	}
	if _, err := exec.LookPath("gdb"); err != nil {
		c.t.Logf("no gdb: the closed-pipe fault is left out")
		menu = slices.DeleteFunc(menu, func(f fault) bool { return f == faultClosePipe })
	}
	if kernel := c.kernelOf(0); kernel > 0 && len(proc.Children(kernel)) > 0 {
		menu = append(menu, faultKillWorker)
	}
	return menu
}

// kernelOf returns the pid of node i's kernel, waiting for it to start.
func (c *chaos) kernelOf(i int) int {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-c.nodes[i].done:
			return 0
		default:
		}
		if kids := proc.Children(c.nodes[i].cmd.Process.Pid); len(kids) == 1 {
			return kids[0]
		}
		time.Sleep(20 * time.Millisecond)
	}
	return 0
}

// trial hits one node with f at a random instant, checks how it stopped and
// what it left, and restarts it, so that only one node is ever down.
func (c *chaos) trial(trial int, f fault) {
	t := c.t
	i := c.rng.IntN(len(c.nodes))
	node := c.nodes[i]
	// Half the agd-wide faults come as the node restarts: inside its
	// start-up, the kernel's handshake and the replay of its last block.
	if (f == faultSigterm || f == faultKillAgd) && c.rng.IntN(2) == 0 {
		c.stop(node)
		node = c.start(i)
		c.nodes[i] = node
	}
	others := c.otherHeights(i)
	delay := time.Duration(c.rng.IntN(2500)) * time.Millisecond
	tree := c.inject(trial, i, node, f, delay)
	c.faults[f]++

	exited := f
	select {
	case <-node.done:
	case <-time.After(faultStopWithin):
		if f != faultDiskFull || !c.keptMakingBlocks(trial, i, node) {
			t.Fatalf("trial %d: %s after %s: node%d did not stop\n%s", trial, f, delay, i, tail(node.logText(), 3000))
		}
		// The full disk was never needed: SQLite writes into pages its
		// files already hold (the WAL, pages freed by a replaced heap
		// snapshot) until they run out, which may take minutes. A node
		// that goes on committing is right to; it must then stop cleanly.
		t.Logf("trial %d: disk-full after %s: node%d still commits blocks %s later (its kernel store had room); stopping it",
			trial, delay, i, faultStopWithin)
		c.stop(node)
		exited = faultSigterm
		// Unless the disk bit just then, and the node stopped for it.
		if ws, _ := node.cmd.ProcessState.Sys().(syscall.WaitStatus); ws.ExitStatus() == 1 && expectedExit[faultDiskFull].lastLine.MatchString(lastLine(node.logText())) {
			exited = faultDiskFull
		}
	}
	t.Logf("trial %d: node%d ended with %v; last line: %s", trial, i, node.cmd.ProcessState, lastLine(node.logText()))
	c.checkExit(trial, i, node, exited, delay)
	c.checkNoOrphans(trial, f, tree)
	if c.disks[i] != nil {
		c.disks[i].free(t)
	}
	c.checkOthersWentOn(trial, i, others)
	c.restart(trial, i)
}

// restart starts node i again and waits until it has made (or, among
// several validators, caught up to) a block the chain did not have when it
// stopped: a restart that does not carry the chain on has failed.
func (c *chaos) restart(trial, i int) {
	want := int64(1)
	for j := range c.nodes {
		if h, err := c.ln.height(j); err == nil && h+1 > want {
			want = h + 1
		}
	}
	if c.lastHeight[i]+1 > want {
		want = c.lastHeight[i] + 1
	}
	node := c.start(i)
	c.nodes[i] = node
	h, err := c.ln.awaitHeight(i, want, 120*time.Second, node)
	if err != nil {
		c.failedRestarts++
		c.t.Fatalf("trial %d: node%d did not carry the chain on after a restart: %v\n%s", trial, i, err, tail(node.logText(), 3000))
	}
	c.lastHeight[i] = h
}

// inject waits delay, then applies f to node i, and returns every process
// of the node seen at that instant.
func (c *chaos) inject(trial, i int, node *runningNode, f fault, delay time.Duration) []int {
	t := c.t
	agdPid := node.cmd.Process.Pid
	kernel := 0
	switch f {
	case faultSigterm, faultKillAgd:
		time.Sleep(delay)
	default:
		if kernel = c.kernelOf(i); kernel == 0 {
			t.Fatalf("trial %d: node%d has no kernel to fault\n%s", trial, i, tail(node.logText(), 3000))
		}
		time.Sleep(delay)
	}
	tree := append([]int{agdPid}, proc.Descendants(agdPid)...)
	t.Logf("trial %d: %s on node%d after %s (processes %v)", trial, f, i, delay, tree)
	switch f {
	case faultSigterm:
		_ = node.cmd.Process.Signal(syscall.SIGTERM)
	case faultKillAgd:
		_ = node.cmd.Process.Kill()
	case faultKillKernel:
		_ = syscall.Kill(kernel, syscall.SIGKILL)
	case faultKillWorker:
		workers := proc.Descendants(kernel)
		if len(workers) == 0 {
			t.Fatalf("trial %d: the kernel has no worker to kill", trial)
		}
		_ = syscall.Kill(workers[c.rng.IntN(len(workers))], syscall.SIGKILL)
	case faultStopKernel:
		_ = syscall.Kill(kernel, syscall.SIGSTOP)
		time.Sleep(chaosCallTimeout + time.Second)
		_ = syscall.Kill(kernel, syscall.SIGCONT)
	case faultDiskFull:
		c.disks[i].fill(t)
	case faultClosePipe:
		// The kernel's own write end (fd 5) or read end (fd 4), closed from
		// inside the kernel process as its own bug would.
		fd := 4 + c.rng.IntN(2)
		out, err := exec.Command("gdb", "-p", strconv.Itoa(kernel), "-batch", "-nx",
			"-ex", fmt.Sprintf("call (int)close(%d)", fd)).CombinedOutput()
		if err != nil && !proc.Gone(kernel) {
			t.Fatalf("trial %d: gdb close(%d) in the kernel: %v\n%s", trial, fd, err, out)
		}
	}
	return tree
}

// checkExit compares how the node ended with what the README documents.
func (c *chaos) checkExit(trial, i int, node *runningNode, f fault, delay time.Duration) {
	t := c.t
	logText := node.logText()
	want := expectedExit[f]
	ws, _ := node.cmd.ProcessState.Sys().(syscall.WaitStatus)
	switch {
	case f == faultSigterm && ws.Signaled() && ws.Signal() == syscall.SIGTERM && logText == "":
		return // before agd's code ran: see checkSigtermStop
	case f == faultStopKernel && ws.ExitStatus() == 0 && strings.Contains(lastLine(logText), "shut down cleanly"):
		t.Fatalf("trial %d: a kernel frozen past the call timeout went unnoticed", trial)
	case want.code == -1:
		if !ws.Signaled() || ws.Signal() != want.signal {
			t.Fatalf("trial %d: %s after %s: node%d ended with %v, want death by %v", trial, f, delay, i, node.cmd.ProcessState, want.signal)
		}
		return
	case ws.Signaled() || ws.ExitStatus() != want.code:
		t.Fatalf("trial %d: %s after %s: node%d ended with %v, want exit code %d\n%s", trial, f, delay, i, node.cmd.ProcessState, want.code, tail(logText, 3000))
	}
	if last := lastLine(logText); !want.lastLine.MatchString(last) {
		t.Fatalf("trial %d: %s after %s: node%d's last log line does not name the cause (want %q):\n%s\nlog tail:\n%s",
			trial, f, delay, i, want.lastLine, last, tail(logText, 3000))
	}
}

// faultStopWithin is how long a node may take to stop after its fault. A
// full disk may take longer to bite (most bit within it: 4 of 5 in three
// runs); after it the trial checks that the node still commits blocks.
const faultStopWithin = 60 * time.Second

// keptMakingBlocks reports whether node i, which should have stopped, makes
// new blocks: what a node whose fault never bit does, rather than hang.
func (c *chaos) keptMakingBlocks(trial, i int, node *runningNode) bool {
	h, err := c.ln.height(i)
	if err != nil {
		c.t.Logf("trial %d: node%d answers no height: %v", trial, i, err)
		return false
	}
	if _, err := c.ln.awaitHeight(i, h+2, 20*time.Second, node); err != nil {
		c.t.Logf("trial %d: node%d made no block past %d: %v", trial, i, h, err)
		return false
	}
	return true
}

// checkNoOrphans requires every process of the node to be gone, and reaped
// (by agd, or by this subreaper once agd itself was killed).
func (c *chaos) checkNoOrphans(trial int, f fault, tree []int) {
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range tree {
		for {
			var ws syscall.WaitStatus
			if got, _ := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil); got == pid || proc.Gone(pid) {
				break
			}
			if time.Now().After(deadline) {
				c.orphans++
				c.t.Errorf("trial %d: %s: process %d of the node is still there (alive or unreaped) 10s after the node stopped", trial, f, pid)
				_ = syscall.Kill(pid, syscall.SIGKILL)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// otherHeights is the height of every validator but i.
func (c *chaos) otherHeights(i int) map[int]int64 {
	hs := map[int]int64{}
	for j := range c.nodes {
		if j != i {
			if h, err := c.ln.height(j); err == nil {
				hs[j] = h
			}
		}
	}
	return hs
}

// checkOthersWentOn requires the validators the fault did not hit to have
// made blocks meanwhile (3 of 4 carry consensus).
func (c *chaos) checkOthersWentOn(trial, i int, before map[int]int64) {
	for j, h := range before {
		if _, err := c.ln.awaitHeight(j, h+1, 30*time.Second, c.nodes[j]); err != nil {
			c.t.Fatalf("trial %d: node%d made no block while node%d was down: %v", trial, j, i, err)
		}
	}
}

// stop sends SIGTERM to a running node and waits for it.
func (c *chaos) stop(n *runningNode) {
	if n == nil {
		return
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(60 * time.Second):
		c.t.Fatalf("node did not stop within 60s of SIGTERM\n%s", tail(n.logText(), 3000))
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// kernelDisk is a small filesystem of the test's own under a node's kernel
// state folder, which the disk-full fault fills.
type kernelDisk struct {
	dir    string
	filler string
}

// mountKernelDisk mounts a 256 MiB tmpfs at home/data/agvm, or returns nil
// when this process may not mount (the fault is then left out).
func mountKernelDisk(t *testing.T, home string) *kernelDisk {
	dir := filepath.Join(home, "data", "agvm")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=256m"); err != nil {
		t.Logf("cannot mount a small filesystem for the kernel's state (%v): the disk-full fault is left out", err)
		return nil
	}
	t.Cleanup(func() { _ = unix.Unmount(dir, unix.MNT_DETACH) })
	return &kernelDisk{dir: dir, filler: filepath.Join(dir, "chaos-filler")}
}

// fill takes every free byte of the disk.
func (d *kernelDisk) fill(t *testing.T) {
	f, err := os.Create(d.filler)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for {
		if _, err := f.Write(chunk); err != nil {
			break // ENOSPC: full
		}
	}
	_ = f.Sync()
}

// free gives the space back, as an operator would before the restart.
func (d *kernelDisk) free(t *testing.T) {
	if err := os.Remove(d.filler); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
}
