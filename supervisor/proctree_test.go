package supervisor

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/agd-project/agd/internal/proc"
)

// TestProcessTreeFindsDescendants starts sh, which starts sleep: the tree
// of sh must hold both, sh first, and the tree of this test process must
// hold sh (a grandchild walk, as for a vat worker under the kernel).
func TestProcessTreeFindsDescendants(t *testing.T) {
	cmd := exec.Command("sh", "-c", "sleep 30 & wait")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sh := cmd.Process.Pid
	var tree []Process
	deadline := time.Now().Add(5 * time.Second)
	for {
		var err error
		tree, err = ProcessTree(sh)
		if err != nil {
			t.Fatal(err)
		}
		// sh forks before the child execs sleep: wait for the exec too.
		if (len(tree) >= 2 && tree[1].Command == "sleep") || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(tree) != 2 || tree[0].Pid != sh || tree[1].Command != "sleep" || tree[1].PPid != sh {
		t.Fatalf("tree of sh %d = %+v, want sh then its sleep", sh, tree)
	}
	if tree[0].ResidentBytes <= 0 || tree[0].StartSeconds <= 0 {
		t.Fatalf("sh's figures are empty: %+v", tree[0])
	}
	mine, err := ProcessTree(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, p := range mine {
		if p.Pid == sh || p.Pid == tree[1].Pid {
			found++
		}
	}
	if found != 2 {
		t.Fatalf("this process's tree misses sh or its child: %+v", mine)
	}
	if _, err := ProcessTree(1 << 30); err == nil {
		t.Fatal("a pid that does not run gave no error")
	}
}

// TestProcessTreeNamesAndStartTimes: a process is named by its command
// line's first word (which need not be its program's name, as Node's
// "MainThread" comm shows), a zombie has no command line and keeps its comm,
// and StartSeconds is the wall-clock time the process started.
func TestProcessTreeNamesAndStartTimes(t *testing.T) {
	before := float64(time.Now().Unix()) // btime has whole seconds
	renamed := exec.Command("sleep", "30")
	renamed.Args[0] = "renamed-sleep" // comm stays "sleep"
	if err := renamed.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = renamed.Process.Kill(); _ = renamed.Wait() })
	zombie := exec.Command("true")
	if err := zombie.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = zombie.Wait() })
	if !eventually(5*time.Second, func() bool { s, err := proc.ReadStat(zombie.Process.Pid); return err == nil && s.State == 'Z' }) {
		t.Fatal("true did not become a zombie")
	}
	after := float64(time.Now().Unix()) + 1

	tree, err := ProcessTree(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]Process{}
	for _, p := range tree {
		got[p.Pid] = p
	}
	r, ok := got[renamed.Process.Pid]
	if !ok || r.Command != "renamed-sleep" || len(r.Args) != 2 || r.Args[0] != "renamed-sleep" {
		t.Errorf("renamed sleep = %+v (found %v), want Command renamed-sleep from its command line", r, ok)
	}
	// The clock tick (1/100 s) and btime's whole seconds leave a second of slack.
	if r.StartSeconds < before-1 || r.StartSeconds > after+1 {
		t.Errorf("renamed sleep started at %.2f, want between %.0f and %.0f", r.StartSeconds, before, after)
	}
	z, ok := got[zombie.Process.Pid]
	if !ok || z.Command != "true" || len(z.Args) != 0 {
		t.Errorf("zombie = %+v (found %v), want Command true from comm and no Args", z, ok)
	}
}
