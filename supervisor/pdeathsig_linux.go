package supervisor

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// logDrainTimeout bounds how long the exit report waits for the kernel's
// stdout and stderr to reach EOF after it was reaped. The dying words are
// usually already in the pipe; only a descendant that left the process
// group can hold the pipes open, and it must not delay the report forever.
const logDrainTimeout = 2 * time.Second

// own starts cmd and stays with it until it is reaped. It runs in its own
// goroutine, locked to one OS thread for the child's whole life: Pdeathsig
// fires when the thread that forked the child exits (golang/go#27505), and
// an unlocked goroutine's thread may be any thread the runtime later
// retires. The lock is never released, so the runtime discards the thread
// after the child is gone instead of handing it to other goroutines.
func (k *Kernel) own(cmd *exec.Cmd, started chan<- error, logger Logger, stdout, stderr *os.File) {
	runtime.LockOSThread()

	if err := cmd.Start(); err != nil {
		started <- err
		return
	}
	k.proc = cmd.Process
	k.pid = cmd.Process.Pid
	// The child is ours and not yet reaped, so this /proc entry is surely
	// its own. If /proc cannot be read, the start-time guard is off, but
	// the reap lock in Signal still protects against reuse.
	if st, err := procStartTime(k.pid); err == nil {
		k.startTime = st
	} else if logger != nil {
		logger.Error("cannot read kernel start time; PID reuse guard disabled", "module", LogTag, "pid", k.pid, "err", err)
	}

	drained := make(chan struct{}, 2)
	go func() { relog(stdout, logger, "stdout", nil); drained <- struct{}{} }()
	go func() { relog(stderr, logger, "stderr", k.stderrTail); drained <- struct{}{} }()
	started <- nil

	waitErr := waitExited(k.pid)

	k.mu.Lock()
	// The leader has exited but is not reaped: as a zombie it still owns
	// its PID, which is also the group ID, so this is the last moment the
	// group can be signalled without any risk of hitting a stranger. Any
	// worker the kernel left behind dies with it rather than being orphaned.
	if waitErr == nil {
		_ = unix.Kill(-k.pid, unix.SIGKILL)
	}
	err := cmd.Wait()
	k.reaped = true
	k.mu.Unlock()

	timeout := time.NewTimer(logDrainTimeout)
	defer timeout.Stop()
drain:
	for range 2 {
		select {
		case <-drained:
		case <-timeout.C:
			break drain
		}
	}

	k.status = statusOf(cmd.ProcessState, err)
	close(k.done)
}

// waitExited blocks until the process pid has exited, without reaping it.
func waitExited(pid int) error {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}
