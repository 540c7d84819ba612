package supervisor

import (
	"errors"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/agd-project/agd/internal/proc"
)

// TestStopEscalates: a kernel that ignores SIGTERM is SIGKILLed after the
// grace period, and so is the worker it spawned.
func TestStopEscalates(t *testing.T) {
	k := startKernel(t, nil, "/bin/sh", script(t, "stubborn.sh"))
	workerPid, workerStart := readWorker(t, k)

	const grace = 300 * time.Millisecond
	began := time.Now()
	st := k.Stop(grace)
	if took := time.Since(began); took < grace {
		t.Errorf("Stop returned after %v, before the %v grace period", took, grace)
	}
	if !st.Signaled() || st.Signal() != syscall.SIGKILL {
		t.Errorf("Stop = %v, want killed by SIGKILL", st)
	}
	if st != k.ExitStatus() {
		t.Errorf("Stop = %v but ExitStatus() = %v", st, k.ExitStatus())
	}
	if !eventually(2*time.Second, func() bool { return procExited(workerPid, workerStart) }) {
		t.Errorf("worker %d survived Stop", workerPid)
	}
}

// TestStopGraceful: a kernel that exits on SIGTERM is not killed.
func TestStopGraceful(t *testing.T) {
	k := startKernel(t, nil, "/bin/sh", script(t, "polite.sh"))
	if line := newLineReader(k.FromKernel()).next(t); line != "ready" {
		t.Fatalf("polite.sh said %q", line)
	}
	began := time.Now()
	st := k.Stop(10 * time.Second)
	if !st.Exited() || st.Code() != 0 {
		t.Errorf("Stop = %v, want exit code 0", st)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("Stop took %v for a kernel that exits on SIGTERM", took)
	}
	if again := k.Stop(time.Hour); again != st {
		t.Errorf("second Stop = %v, want %v", again, st)
	}
}

// TestWorkersDieWithKernel: when the kernel exits by itself, whatever it
// left running in its process group is killed, not orphaned.
func TestWorkersDieWithKernel(t *testing.T) {
	k := startKernel(t, nil, "/bin/sh", "-c", `sleep 60 & echo "$!" >&5; read -r _ <&4; exit 0`)
	workerPid, workerStart := readWorker(t, k)
	k.ToKernel().Close() // the kernel exits on EOF
	waitDone(t, k)
	if st := k.ExitStatus(); st.Code() != 0 {
		t.Errorf("kernel ended %v, want exit code 0", st)
	}
	if !eventually(2*time.Second, func() bool { return procExited(workerPid, workerStart) }) {
		t.Errorf("worker %d outlived the kernel", workerPid)
	}
}

// TestSignalReachesGroup: Signal goes to the whole process group while the
// kernel runs, not just to the kernel's own PID.
func TestSignalReachesGroup(t *testing.T) {
	// The kernel catches SIGUSR1 and says nothing; only its worker reports it.
	k := startKernel(t, nil, "/bin/sh", "-c", `
		trap : USR1
		sh -c 'trap "echo worker-got-usr1 >&5; exit 0" USR1; echo worker-ready >&5; while :; do sleep 0.1; done' &
		while :; do sleep 1; done`)
	fromKernel := newLineReader(k.FromKernel())
	if line := fromKernel.next(t); line != "worker-ready" {
		t.Fatalf("kernel said %q", line)
	}
	if err := k.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if line := fromKernel.next(t); line != "worker-got-usr1" {
		t.Fatalf("kernel said %q, want the worker to report SIGUSR1", line)
	}
}

// readWorker reads the pid of the worker the kernel reports on fd 5 and
// makes sure the worker is killed when the test ends, whatever happened.
func readWorker(t *testing.T, k *Kernel) (pid int, start uint64) {
	t.Helper()
	pid, err := strconv.Atoi(newLineReader(k.FromKernel()).next(t))
	if err != nil {
		t.Fatal(err)
	}
	start, err = procStartTime(pid)
	if err != nil {
		t.Fatalf("worker %d: %v", pid, err)
	}
	t.Cleanup(func() {
		if checkProcess(pid, start) == nil {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return pid, start
}

// TestSignalRefusesReusedPid: once the kernel's PID names a process with
// another start time (a recycled PID, simulated here by changing the
// recorded one), Signal refuses to send anything, and Stop still ends the
// kernel through its Process handle, then the group through own's kill.
func TestSignalRefusesReusedPid(t *testing.T) {
	k := startKernel(t, nil, "/bin/sh", script(t, "stubborn.sh"))
	workerPid, workerStart := readWorker(t, k)
	k.mu.Lock()
	realStart := k.startTime
	k.startTime = realStart + 1
	k.mu.Unlock()

	if err := k.Signal(syscall.SIGTERM); !errors.Is(err, errPidReused) {
		t.Fatalf("Signal with another start time = %v, want errPidReused", err)
	}
	if st, err := proc.ReadStat(k.Pid()); err != nil || st.StartTicks != realStart || st.Exited() {
		t.Fatalf("kernel %d no longer runs after a refused Signal: %+v, %v", k.Pid(), st, err)
	}

	stopped := make(chan ExitStatus, 1)
	go func() { stopped <- k.Stop(time.Hour) }()
	select {
	case st := <-stopped:
		if !st.Signaled() || st.Signal() != syscall.SIGKILL {
			t.Errorf("Stop = %v, want killed by SIGKILL through the Process handle", st)
		}
	case <-time.After(5 * time.Second):
		_ = k.proc.Kill() // so that Stop, and the test's cleanup, can return
		t.Fatal("Stop did not end a kernel whose group could not be signalled")
	}
	if !eventually(2*time.Second, func() bool { return procExited(workerPid, workerStart) }) {
		t.Errorf("worker %d survived Stop", workerPid)
	}
}
