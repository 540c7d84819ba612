package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/agd-project/agd/internal/proc"
)

// TestReadProc samples this process and a child; finding children is
// tested in internal/proc.
func TestReadProc(t *testing.T) {
	cmd := exec.Command("sleep", "5")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	self, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if self.RSSBytes == 0 || self.Key.StartTime == 0 || self.Key.Pid != os.Getpid() {
		t.Fatalf("self sample missing pid, RSS or start time: %+v", self)
	}
	child, err := readProc(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if child.Comm != "sleep" || child.Key.StartTime < self.Key.StartTime {
		t.Fatalf("child sample %+v, self %+v", child, self)
	}
}

// TestFindWatchedNamesXsnapWorkers builds agd → kernel → two workers whose
// first argument is a vat's name, as @agoric/xsnap starts xsnap-worker, and
// checks that the process monitor finds the kernel and reports each worker
// under it by vat.
func TestFindWatchedNamesXsnapWorkers(t *testing.T) {
	// "agd" is this bash, "kernel" its child bash; each "worker" is a cat
	// blocked opening a FIFO named after its vat, so `cat v1:bootstrap`
	// stays alive with the vat as its first argument.
	dir := t.TempDir()
	for _, vat := range []string{"v1:bootstrap", "v2:bank"} {
		if err := syscall.Mkfifo(filepath.Join(dir, vat), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("bash", "-c", `bash -c 'cat v1:bootstrap & cat v2:bank & wait' & wait`)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, pid := range proc.Descendants(cmd.Process.Pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	var got []watchedProc
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		got = findWatched(cmd.Process.Pid)
		vats := map[string]bool{}
		for _, w := range got {
			if w.role == roleXsnap {
				vats[w.vat] = true
			}
		}
		if vats["v1:bootstrap"] && vats["v2:bank"] {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	roles := map[string]int{}
	var vats []string
	for _, w := range got {
		roles[w.role]++
		if w.role == roleXsnap {
			vats = append(vats, w.vat)
		}
	}
	sort.Strings(vats)
	if roles["agd"] != 1 || roles["kernel"] != 1 || strings.Join(vats, ",") != "v1:bootstrap,v2:bank" {
		t.Fatalf("watched %+v: want agd, one kernel and the workers v1:bootstrap, v2:bank", got)
	}
}
