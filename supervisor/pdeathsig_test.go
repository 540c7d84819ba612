package supervisor

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pdeathsigHelper runs in a re-executed test binary: it starts a kernel,
// prints "<pid> <start time>" and waits to be killed.
func pdeathsigHelper() {
	k, err := Start(Config{
		Argv:     []string{"/bin/sh", "-c", "exec sleep 60"},
		StateDir: os.Getenv("SUPERVISOR_TEST_STATE"),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%d %d\n", k.Pid(), k.startTime)
	time.Sleep(time.Hour)
}

// TestKernelDiesWithAgd kills a process that started a kernel the way agd's
// death would (SIGKILL: no deferred cleanup runs) and checks that the
// kernel dies within a second.
func TestKernelDiesWithAgd(t *testing.T) {
	helper := exec.Command(os.Args[0], "-test.run=^$")
	helper.Env = append(os.Environ(), helperEnv+"=pdeathsig", "SUPERVISOR_TEST_STATE="+t.TempDir())
	helper.Stderr = os.Stderr
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	defer helper.Process.Kill()

	lineCh := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		lineCh <- line
	}()
	var line string
	select {
	case line = <-lineCh:
	case <-time.After(10 * time.Second):
		t.Fatal("helper did not report its kernel")
	}
	var pid int
	var startTime uint64
	if _, err := fmt.Sscan(strings.TrimSpace(line), &pid, &startTime); err != nil || startTime == 0 {
		t.Fatalf("helper said %q: %v", line, err)
	}
	defer func() {
		if checkProcess(pid, startTime) == nil {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}()
	if procExited(pid, startTime) {
		t.Fatalf("kernel %d is not running before its parent dies", pid)
	}

	if err := helper.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	helper.Wait()
	if !eventually(time.Second, func() bool { return procExited(pid, startTime) }) {
		t.Fatalf("kernel %d outlived its parent by more than 1s", pid)
	}
}
