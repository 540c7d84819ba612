package supervisor

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// ExitStatus says how a kernel ended. The zero value means it has not.
type ExitStatus struct {
	state  exitState
	code   int
	signal syscall.Signal
	core   bool
	err    error // why the status is unknown
}

type exitState int

const (
	running exitState = iota
	exited
	signaled
	unknown
)

func statusOf(ps *os.ProcessState, waitErr error) ExitStatus {
	if ps == nil {
		if waitErr == nil {
			waitErr = errors.New("no process state")
		}
		return ExitStatus{state: unknown, err: waitErr}
	}
	ws, ok := ps.Sys().(syscall.WaitStatus)
	switch {
	case !ok:
		return ExitStatus{state: unknown, err: fmt.Errorf("unexpected wait status %T", ps.Sys())}
	case ws.Signaled():
		return ExitStatus{state: signaled, signal: ws.Signal(), core: ws.CoreDump()}
	default:
		return ExitStatus{state: exited, code: ws.ExitStatus()}
	}
}

// Running reports whether this is the status of a kernel that has not ended.
func (s ExitStatus) Running() bool { return s.state == running }

// Exited reports whether the kernel exited by itself, with Code.
func (s ExitStatus) Exited() bool { return s.state == exited }

// Code is the kernel's exit code, or -1 if it did not exit by itself.
func (s ExitStatus) Code() int {
	if s.state != exited {
		return -1
	}
	return s.code
}

// Signaled reports whether the kernel was killed by Signal.
func (s ExitStatus) Signaled() bool { return s.state == signaled }

// Signal is the signal that killed the kernel, or 0.
func (s ExitStatus) Signal() syscall.Signal { return s.signal }

// String is the status as an operator reads it: "exited with code 3",
// "killed by signal SIGKILL".
func (s ExitStatus) String() string {
	switch s.state {
	case running:
		return "still running"
	case exited:
		return fmt.Sprintf("exited with code %d", s.code)
	case signaled:
		name := unix.SignalName(s.signal)
		if name == "" {
			name = fmt.Sprintf("%d", int(s.signal))
		}
		if s.core {
			return "killed by signal " + name + " (core dumped)"
		}
		return "killed by signal " + name
	default:
		return fmt.Sprintf("ended with unknown status (%v)", s.err)
	}
}
