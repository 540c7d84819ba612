package node

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/oklog/run"
)

// TestExitDecision is the table of agd's exit: the lifecycle machine's
// decision wins when there is one; without one, a signal is a clean stop
// and any other first error is the failure, with the kernel's own end
// added when the kernel died on its own and the text does not say so yet.
// "the kernel died" is logged only for a death agd did not cause.
func TestExitDecision(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script string
		// setup brings the kernel and the machine to the case's state and
		// returns the run group's first error.
		setup func(t *testing.T, rk *runningKernel) error
		// wantCode is the exit code: 0 a clean stop, -1 an error without
		// a code of its own (exit 1).
		wantCode  int
		wantText  []string // in the clean stop's reason, or the error
		notText   string   // must not be in the error
		wantDeath bool     // "the kernel died" logged
	}{{
		name:   "a signal before start: the machine stops cleanly and the kernel, signalled by agd, is no death",
		script: "exec sleep 60",
		setup: func(t *testing.T, rk *runningKernel) error {
			rk.driver.Signal("SIGTERM")
			waitReaped(t, rk)
			return nil
		},
		wantCode: 0, wantText: []string{"SIGTERM"},
	}, {
		name:   "the kernel exits 7 on its own: the machine's exit code 1, the status named once",
		script: "exit 7",
		setup: func(t *testing.T, rk *runningKernel) error {
			waitReaped(t, rk)
			rk.driver.KernelExited(rk.child.ExitStatus().String())
			return errors.New("connection to the kernel closed")
		},
		wantCode: 1, wantText: []string{"agd stopped: ", "exited with code 7"}, wantDeath: true,
	}, {
		name:   "killed by someone else, then interrupted by the group: still a death",
		script: "exec sleep 60",
		setup: func(t *testing.T, rk *runningKernel) error {
			if err := syscall.Kill(rk.child.Pid(), syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			waitReaped(t, rk)
			_, _, interrupt := kernelActor(rk)
			interrupt(nil) // the group interrupts every part, the dead one too
			rk.driver.KernelExited(rk.child.ExitStatus().String())
			return errors.New("connection to the kernel closed")
		},
		wantCode: 1, wantText: []string{"killed by signal SIGKILL"}, wantDeath: true,
	}, {
		name:   "no decision, stopped by the group: the group's error as it is, no death",
		script: "exec sleep 60",
		setup: func(t *testing.T, rk *runningKernel) error {
			_, _, interrupt := kernelActor(rk)
			interrupt(nil)
			waitReaped(t, rk)
			return errors.New("CometBFT node stopped on its own")
		},
		wantCode: -1, wantText: []string{"CometBFT node stopped on its own"}, notText: "the kernel's end",
	}, {
		name:   "no decision, the kernel exited 7 on its own: the group's error names the kernel's end",
		script: "exit 7",
		setup: func(t *testing.T, rk *runningKernel) error {
			waitReaped(t, rk)
			return errors.New("connection to the kernel closed: EOF")
		},
		wantCode: -1, wantText: []string{"connection to the kernel closed: EOF; the kernel's end: exited with code 7"}, wantDeath: true,
	}, {
		name:   "no decision, the group stopped on a signal: clean",
		script: "exec sleep 60",
		setup: func(t *testing.T, rk *runningKernel) error {
			return &run.SignalError{Signal: syscall.SIGINT}
		},
		wantCode: 0, wantText: []string{"interrupt"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			rk := childKernel(t, tc.script)
			logger := newRecLog()
			groupErr := tc.setup(t, rk)
			clean, err := exitDecision(logger, groupErr, rk)
			if got := logger.has("error", "the kernel died"); got != tc.wantDeath {
				t.Errorf("\"the kernel died\" logged: %v, want %v (%+v)", got, tc.wantDeath, logger.taken())
			}
			var text string
			switch {
			case tc.wantCode == 0:
				if err != nil || clean == nil {
					t.Fatalf("got (%v, %v), want a clean stop", clean, err)
				}
				text = clean.msg + sprintKV(clean.keyvals)
			case err == nil:
				t.Fatalf("got a clean stop %v, want exit code %d", clean, tc.wantCode)
			default:
				text = err.Error()
				var exit *ExitError
				code := -1
				if errors.As(err, &exit) {
					code = exit.Code
				}
				if code != tc.wantCode {
					t.Fatalf("exit code %d (%v), want %d", code, err, tc.wantCode)
				}
			}
			for _, want := range tc.wantText {
				if n := strings.Count(text, want); n != 1 {
					t.Errorf("%q holds %q %d times, want once", text, want, n)
				}
			}
			if tc.notText != "" && strings.Contains(text, tc.notText) {
				t.Errorf("%q holds %q", text, tc.notText)
			}
		})
	}
}

// TestExitDecisionWithoutAnyError: no decision and no error is no stop to
// report (the group was never run).
func TestExitDecisionWithoutAnyError(t *testing.T) {
	rk := childKernel(t, "exec sleep 60")
	clean, err := exitDecision(newRecLog(), nil, rk)
	if clean != nil || err != nil {
		t.Fatalf("got (%v, %v), want nothing", clean, err)
	}
}
