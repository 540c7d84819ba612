package supervisor

import (
	"errors"
	"os"
	"os/exec"
	"testing"
)

func TestCheckProcess(t *testing.T) {
	self := os.Getpid()
	start, err := procStartTime(self)
	if err != nil || start == 0 {
		t.Fatalf("procStartTime(self) = %d, %v", start, err)
	}
	if err := checkProcess(self, start); err != nil {
		t.Errorf("checkProcess(self, own start time) = %v, want nil", err)
	}
	// The same PID with another start time is what a recycled PID looks like.
	if err := checkProcess(self, start+1); !errors.Is(err, errPidReused) {
		t.Errorf("checkProcess(self, other start time) = %v, want errPidReused", err)
	}

	// A process that has been reaped is gone.
	cmd := exec.Command("/bin/sh", "-c", "exit 0")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if err := checkProcess(cmd.Process.Pid, 1); !errors.Is(err, os.ErrProcessDone) && !errors.Is(err, errPidReused) {
		t.Errorf("checkProcess(reaped pid) = %v, want os.ErrProcessDone", err)
	}
}
