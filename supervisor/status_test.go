package supervisor

import (
	"errors"
	"strings"
	"syscall"
	"testing"
)

// TestExitStatusWithoutProcessState: a wait that left no process state is
// an unknown ending that names why; the zero ExitStatus is a kernel still
// running, and only it.
func TestExitStatusWithoutProcessState(t *testing.T) {
	if s := statusOf(nil, nil); s.Running() || !strings.Contains(s.String(), "no process state") {
		t.Errorf("statusOf(nil, nil) = %q (running %v)", s.String(), s.Running())
	}
	waitErr := errors.New("wait: no child processes")
	if s := statusOf(nil, waitErr); s.Running() || !strings.Contains(s.String(), waitErr.Error()) {
		t.Errorf("statusOf(nil, %v) = %q (running %v)", waitErr, s.String(), s.Running())
	}
	if s := (ExitStatus{}); !s.Running() || s.String() != "still running" {
		t.Errorf("zero ExitStatus: %q (running %v), want still running", s.String(), s.Running())
	}
}

// TestExitStatusStringSignals: a signal is named, a number without a name
// is printed as a number, and a core dump is said.
func TestExitStatusStringSignals(t *testing.T) {
	for _, tc := range []struct {
		s    ExitStatus
		want string
	}{
		{ExitStatus{state: signaled, signal: syscall.SIGKILL}, "killed by signal SIGKILL"},
		{ExitStatus{state: signaled, signal: syscall.SIGABRT, core: true}, "killed by signal SIGABRT (core dumped)"},
		{ExitStatus{state: signaled, signal: syscall.Signal(77)}, "killed by signal 77"},
	} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
		if !tc.s.Signaled() || tc.s.Exited() || tc.s.Code() != -1 {
			t.Errorf("%q: Signaled %v Exited %v Code %d, want signaled with code -1", tc.want, tc.s.Signaled(), tc.s.Exited(), tc.s.Code())
		}
	}
}
