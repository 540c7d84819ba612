package supervisor

import (
	"errors"
	"os"
	"os/exec"
	"testing"
)

func TestParseStartTime(t *testing.T) {
	// A command name may contain spaces and parentheses.
	stat := "4242 (evil) 1 2 3 (x) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 8192 100 18446744073709551615\n"
	got, err := parseStartTime([]byte(stat))
	if err != nil || got != 987654 {
		t.Errorf("parseStartTime = %d, %v; want 987654", got, err)
	}
	if _, err := parseStartTime([]byte("4242 (short) S 1 2 3")); err == nil {
		t.Error("parseStartTime accepted a truncated line")
	}
	if _, err := parseStartTime([]byte("garbage")); err == nil {
		t.Error("parseStartTime accepted a line without a command")
	}
}

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
