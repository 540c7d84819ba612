package supervisor

import (
	"os"
	"os/exec"
	"testing"
	"time"
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
