package supervisor

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Signal sends sig to the kernel's whole process group. It returns
// os.ErrProcessDone once the kernel has been reaped: its PID may then
// belong to someone else, and signalling it would be go-plugin's
// reused-PID bug.
func (k *Kernel) Signal(sig syscall.Signal) error { return k.signal(-1, sig) }

// SignalKernel sends sig to the kernel process alone, not to the workers it
// started: the kernel decides what its workers do. A SIGTERM that reached a
// SwingSet vat worker in the middle of a block would fail that block, and
// turn a clean shutdown into a kernel failure.
func (k *Kernel) SignalKernel(sig syscall.Signal) error { return k.signal(1, sig) }

// signal sends sig to the kernel's pid times sign: its group (-1) or itself (1).
func (k *Kernel) signal(sign int, sig syscall.Signal) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.reaped {
		return os.ErrProcessDone
	}
	// While we hold mu the kernel cannot be reaped, so its PID cannot be
	// recycled; the start-time check is a second guard that does not depend
	// on this package's bookkeeping being right.
	if k.startTime != 0 {
		if err := checkProcess(k.pid, k.startTime); err != nil {
			return fmt.Errorf("supervisor: not signalling kernel pid %d: %w", k.pid, err)
		}
	}
	if k.sent == nil {
		k.sent = map[syscall.Signal]bool{}
	}
	k.sent[sig] = true
	if err := unix.Kill(sign*k.pid, sig); err != nil {
		return fmt.Errorf("supervisor: signalling kernel pid %d: %w", sign*k.pid, err)
	}
	return nil
}

// DiedOnItsOwn reports, once the kernel is reaped, whether it ended in a
// way agd did not cause: killed by a signal agd never sent it, or exited
// non-zero. agd names such a death in its stop reason even when a broken
// pipe told it first.
func (k *Kernel) DiedOnItsOwn() bool {
	select {
	case <-k.done:
	default:
		return false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case k.status.Signaled():
		return !k.sent[k.status.Signal()]
	case k.status.Exited():
		return k.status.Code() != 0
	}
	return false
}

// Stop asks the kernel to stop with SIGTERM, gives it grace to finish its
// in-flight work, then SIGKILLs its process group. It returns once the
// kernel is reaped, with its status. Calling Stop on a finished kernel just
// returns the status.
func (k *Kernel) Stop(grace time.Duration) ExitStatus {
	k.markStopping()
	if err := k.Signal(syscall.SIGTERM); err == nil {
		timer := time.NewTimer(grace)
		select {
		case <-k.done:
		case <-timer.C:
		}
		timer.Stop()
	}
	select {
	case <-k.done:
		return k.status
	default:
	}
	if err := k.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		// Only a broken /proc gets here. The pidfd-backed Process still
		// reaches the leader safely; the group is then killed by own when
		// the leader is gone.
		_ = k.proc.Kill()
	}
	<-k.done
	return k.status
}

func (k *Kernel) markStopping() {
	k.mu.Lock()
	k.stopping = true
	k.mu.Unlock()
}

func (k *Kernel) stopRequested() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.stopping
}
