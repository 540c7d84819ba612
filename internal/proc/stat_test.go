package proc

import (
	"errors"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	// A command name may contain spaces and parentheses.
	line := "4242 (evil) 1 2 3 (x) S 77 4242 4242 0 -1 4194560 100 0 0 0 11 22 0 0 20 0 1 0 987654 8192 300 18446744073709551615\n"
	got, err := ParseStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	want := Stat{Pid: 4242, Comm: "evil) 1 2 3 (x", State: 'S', PPid: 77,
		UserTicks: 11, SystemTicks: 22, StartTicks: 987654, ResidentPages: 300}
	if got != want {
		t.Errorf("ParseStat = %+v\nwant %+v", got, want)
	}
	for _, bad := range []string{"garbage", "4242 (short) S 1 2 3", "x (a) S 77 4242 4242 0 -1 4194560 100 0 0 0 11 22 0 0 20 0 1 0 987654 8192 300"} {
		if _, err := ParseStat([]byte(bad)); err == nil {
			t.Errorf("ParseStat(%q) accepted a malformed line", bad)
		}
	}
}

// TestGoneAndExited follows one real child through its life: running,
// a zombie before it is reaped (exited, but not gone), gone after.
func TestGoneAndExited(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	s, err := ReadStat(pid)
	if err != nil {
		t.Fatal(err)
	}
	if s.Pid != pid || s.PPid != os.Getpid() || s.StartTicks == 0 || s.Exited() {
		t.Fatalf("running child: %+v", s)
	}
	if Gone(pid) || Exited(pid) {
		t.Fatalf("running child %d: Gone=%v Exited=%v, want both false", pid, Gone(pid), Exited(pid))
	}
	if !slices.Contains(Children(os.Getpid()), pid) || !slices.Contains(Descendants(os.Getpid()), pid) {
		t.Fatalf("child %d is not among this process's children or descendants", pid)
	}

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Wait for the zombie without reaping it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if s, err = ReadStat(pid); err == nil && s.State == 'Z' {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child %d did not become a zombie: %+v, %v", pid, s, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if Gone(pid) {
		t.Fatalf("zombie %d counted as gone", pid)
	}
	if !Exited(pid) {
		t.Fatalf("zombie %d not counted as exited", pid)
	}
	if !slices.Contains(Children(os.Getpid()), pid) {
		t.Fatalf("zombie %d left out of this process's children", pid)
	}

	if err := cmd.Wait(); err == nil {
		t.Fatal("a killed sleep exited cleanly")
	}
	if !Gone(pid) || !Exited(pid) {
		t.Fatalf("reaped child %d: Gone=%v Exited=%v, want both true", pid, Gone(pid), Exited(pid))
	}
	if _, err := ReadStat(pid); !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("ReadStat(reaped) = %v, want os.ErrProcessDone", err)
	}
}

// TestTree starts sh, which starts sleep: the tree of sh holds both, sh
// first, and this process's tree holds the grandchild too.
func TestTree(t *testing.T) {
	cmd := exec.Command("sh", "-c", "sleep 30 & wait")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sh := cmd.Process.Pid
	var tree []Stat
	deadline := time.Now().Add(5 * time.Second)
	for {
		var err error
		if tree, err = Tree(sh); err != nil {
			t.Fatal(err)
		}
		// sh forks before the child execs sleep: wait for the exec too.
		if (len(tree) >= 2 && tree[1].Comm == "sleep") || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(tree) != 2 || tree[0].Pid != sh || tree[1].Comm != "sleep" || tree[1].PPid != sh {
		t.Fatalf("tree of sh %d = %+v, want sh then its sleep", sh, tree)
	}
	if tree[0].ResidentBytes() <= 0 {
		t.Fatalf("sh has no resident memory: %+v", tree[0])
	}
	if !slices.Contains(Descendants(os.Getpid()), tree[1].Pid) {
		t.Fatalf("this process's descendants miss the grandchild %d", tree[1].Pid)
	}
	if _, err := Tree(1 << 30); !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("Tree of a pid that does not run = %v, want os.ErrProcessDone", err)
	}
	args, err := Cmdline(tree[1].Pid)
	if err != nil || !slices.Equal(args, []string{"sleep", "30"}) {
		t.Fatalf("Cmdline(sleep) = %q, %v", args, err)
	}
	if bt, err := BootTime(); err != nil || bt == 0 {
		t.Fatalf("BootTime = %d, %v", bt, err)
	}
}
