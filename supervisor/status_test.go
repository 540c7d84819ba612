package supervisor

import (
	"errors"
	"strings"
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
