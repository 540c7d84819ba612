package stopsignal

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestSignalIsHeldUntilTaken: a SIGTERM that arrives before anyone reads
// Caught does not kill the process; it waits there.
func TestSignalIsHeldUntilTaken(t *testing.T) {
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case sig := <-Caught():
		if sig != syscall.SIGTERM {
			t.Fatalf("caught %v", sig)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("SIGTERM was not held")
	}
}

// TestReleaseDeliversAHeldSignal runs a child test process that receives
// SIGTERM, then releases: it must end by SIGTERM, as if never held.
func TestReleaseDeliversAHeldSignal(t *testing.T) {
	if os.Getenv("STOPSIGNAL_CHILD") == "1" {
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
		time.Sleep(100 * time.Millisecond) // let the runtime queue it
		Release()
		time.Sleep(5 * time.Second)
		os.Exit(0) // not reached when Release did its job
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestReleaseDeliversAHeldSignal$")
	cmd.Env = append(os.Environ(), "STOPSIGNAL_CHILD=1")
	err := cmd.Run()
	status, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !status.Signaled() || status.Signal() != syscall.SIGTERM {
		t.Fatalf("child ended with %v (%v), want death by SIGTERM", cmd.ProcessState, err)
	}
}
