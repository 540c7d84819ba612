package supervisor

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/agd-project/agd/internal/proc"
)

func pipeInode(t *testing.T, f *os.File) uint64 {
	t.Helper()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

// TestTransport checks the kernel's side of the transport as the protocol
// pins it, then echo over the pipes, then both directions of "EOF means the
// other side is gone".
func TestTransport(t *testing.T) {
	stateDir := filepath.Join(t.TempDir(), "data", "agvm")
	k, err := Start(Config{Argv: []string{"/bin/sh", script(t, "probe.sh")}, StateDir: stateDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Stop(0); k.FromKernel().Close() })

	fromKernel := newLineReader(k.FromKernel())
	got := map[string]string{}
	for {
		line := fromKernel.next(t)
		if line == "ready" {
			break
		}
		key, value, _ := strings.Cut(line, "=")
		got[key] = value
	}
	realState, err := filepath.EvalSymlinks(stateDir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"fd3":            "closed",
		"fd4":            fmt.Sprintf("pipe:[%d]", pipeInode(t, k.ToKernel())),
		"fd5":            fmt.Sprintf("pipe:[%d]", pipeInode(t, k.FromKernel())),
		"stdin":          "/dev/null",
		"cwd":            realState,
		"AGVM_FROM_AGD":  "4",
		"AGVM_TO_AGD":    "5",
		"AGVM_STATE_DIR": stateDir,
	}
	for key, w := range want {
		if got[key] != w {
			t.Errorf("kernel sees %s=%q, want %q", key, got[key], w)
		}
	}
	// The low two bits of the open flags are the access mode.
	if !strings.HasSuffix(got["fd4flags"], "0") {
		t.Errorf("fd 4 flags %q: want read-only", got["fd4flags"])
	}
	if !strings.HasSuffix(got["fd5flags"], "1") {
		t.Errorf("fd 5 flags %q: want write-only", got["fd5flags"])
	}
	fi, err := os.Stat(stateDir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("state dir mode %v, want 0700", perm)
	}

	for _, msg := range []string{"hello", "second line"} {
		if _, err := k.ToKernel().Write([]byte(msg + "\n")); err != nil {
			t.Fatal(err)
		}
		if line := fromKernel.next(t); line != "echo:"+msg {
			t.Fatalf("kernel echoed %q, want %q", line, "echo:"+msg)
		}
	}

	// Closing agd's end is how the kernel learns agd is gone; the probe
	// exits on it. Its exit must then show up as EOF on fd 5, which only
	// happens if agd closed its copy of the kernel's write end.
	k.ToKernel().Close()
	waitDone(t, k)
	if st := k.ExitStatus(); !st.Exited() || st.Code() != 0 {
		t.Errorf("probe ended %v, want exit code 0", st)
	}
	k.FromKernel().SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := k.FromKernel().Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("after the kernel died, FromKernel read %d bytes, err %v; want EOF", n, err)
	}
}

// TestWriteAfterDeathFails checks that agd closed its copy of the kernel's
// read end: otherwise writes to a dead kernel would silently fill the pipe.
func TestWriteAfterDeathFails(t *testing.T) {
	k := startKernel(t, nil, "/bin/sh", "-c", "exit 0")
	waitDone(t, k)
	_, err := k.ToKernel().Write([]byte("anyone?\n"))
	if !errors.Is(err, syscall.EPIPE) {
		t.Errorf("writing to a dead kernel: %v, want EPIPE", err)
	}
}

// TestRelogAndTail checks that stdout and stderr are logged line by line
// under the agvm tag and that the exit report carries the last 20 stderr
// lines.
func TestRelogAndTail(t *testing.T) {
	var logger recLogger
	k := startKernel(t, &logger, "/bin/sh", script(t, "chatter.sh"))
	waitDone(t, k)

	if got, want := logger.lines("stdout"), []string{"out 1", "out 2", "out 3"}; !slices.Equal(got, want) {
		t.Errorf("stdout logged as %q, want %q", got, want)
	}
	var allErr, lastErr []string
	for i := 1; i <= 30; i++ {
		allErr = append(allErr, fmt.Sprintf("err %d", i))
	}
	lastErr = allErr[10:]
	if got := logger.lines("stderr"); !slices.Equal(got, allErr) {
		t.Errorf("stderr logged as %q, want %q", got, allErr)
	}
	if got := k.StderrTail(); !slices.Equal(got, lastErr) {
		t.Errorf("StderrTail() = %q, want %q", got, lastErr)
	}

	st := k.ExitStatus()
	if !st.Exited() || st.Code() != 3 || st.String() != "exited with code 3" {
		t.Errorf("ExitStatus() = %v (exited %v, code %d), want exited with code 3", st, st.Exited(), st.Code())
	}
	var exitErr *ExitError
	if !errors.As(k.Err(), &exitErr) {
		t.Fatalf("Err() = %v, want an *ExitError", k.Err())
	}
	msg := exitErr.Error()
	for _, want := range []string{
		script(t, "chatter.sh"),
		fmt.Sprintf("pid %d", k.Pid()),
		"exited with code 3",
		"last 20 lines",
		"\n\terr 11\n",
		"\n\terr 30",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("exit report lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "\terr 10\n") {
		t.Errorf("exit report has more than the last 20 lines:\n%s", msg)
	}
}

func TestTailRing(t *testing.T) {
	r := newTailRing(3)
	if got := r.lines(); len(got) != 0 {
		t.Errorf("empty ring has %q", got)
	}
	for i := 1; i <= 7; i++ {
		r.add(fmt.Sprint(i))
		want := []string{}
		for j := max(1, i-2); j <= i; j++ {
			want = append(want, fmt.Sprint(j))
		}
		if got := r.lines(); !slices.Equal(got, want) {
			t.Fatalf("after adding 1..%d: %q, want %q", i, got, want)
		}
	}
}

// TestReaped checks that no zombie is left once Done is closed.
func TestReaped(t *testing.T) {
	k := startKernel(t, nil, "/bin/sh", "-c", "exit 0")
	if k.startTime == 0 {
		t.Fatal("start time was not recorded")
	}
	waitDone(t, k)
	if st, err := proc.ReadStat(k.Pid()); err == nil && st.StartTicks == k.startTime {
		t.Fatalf("kernel pid %d still in /proc after Done (state %c)", k.Pid(), st.State)
	}
	if err := k.Signal(syscall.SIGTERM); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("Signal after reaping: %v, want os.ErrProcessDone", err)
	}
	// Without the start-time guard (no /proc), the reap bookkeeping alone
	// must still refuse.
	k.startTime = 0
	if err := k.Signal(syscall.SIGTERM); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("Signal after reaping, no start time: %v, want os.ErrProcessDone", err)
	}
}

// TestExitReportWaitsForLastWords: lines still on their way through the
// stderr pipe when the kernel is reaped make it into the report, but a
// descendant that escaped the process group and holds stderr open does not
// hold up Done for long.
func TestExitReportWaitsForLastWords(t *testing.T) {
	// The escaped process reports its pid once it has left the group; the
	// kernel exits only after that, when told to on fd 4.
	k := startKernel(t, nil, "/bin/sh", "-c",
		`setsid sh -c 'echo "$$" >&5; sleep 0.2; echo last words >&2; exec sleep 60' &
		read -r _ <&4; exit 3`)
	escaped, err := strconv.Atoi(newLineReader(k.FromKernel()).next(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(escaped, syscall.SIGKILL) })
	if _, err := k.ToKernel().Write([]byte("exit\n")); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	waitDone(t, k)
	if took := time.Since(began); took > logDrainTimeout+time.Second {
		t.Errorf("Done took %v with stderr held open; want about %v", took, logDrainTimeout)
	}
	if tail := k.StderrTail(); !slices.Equal(tail, []string{"last words"}) {
		t.Errorf("StderrTail() = %q, want the line written after the kernel exited", tail)
	}
}

// TestKilledBySignal: a kernel killed from outside reports the signal.
func TestKilledBySignal(t *testing.T) {
	k := startKernel(t, nil, "/bin/sh", "-c", "echo 'about to sleep' >&2; exec sleep 60")
	execute, _ := k.Actor()
	if err := syscall.Kill(k.Pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitDone(t, k)
	st := k.ExitStatus()
	if !st.Signaled() || st.Signal() != syscall.SIGKILL || st.Code() != -1 {
		t.Errorf("ExitStatus() = %v, want killed by SIGKILL", st)
	}
	err := execute()
	if err == nil || !strings.Contains(err.Error(), "killed by signal SIGKILL") {
		t.Errorf("actor returned %v, want the kernel's death", err)
	}
}

// TestDiedOnItsOwn tells a death agd did not cause (a SIGKILL from
// elsewhere, a non-zero exit) from one it did (its own Stop), whichever
// agd's other parts noticed first.
func TestDiedOnItsOwn(t *testing.T) {
	killed := startKernel(t, nil, "/bin/sh", "-c", "exec sleep 60")
	if killed.DiedOnItsOwn() {
		t.Fatal("a running kernel reported dead")
	}
	if err := syscall.Kill(killed.Pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitDone(t, killed)
	if !killed.DiedOnItsOwn() {
		t.Error("a kernel SIGKILLed by someone else: DiedOnItsOwn false")
	}

	failed := startKernel(t, nil, "/bin/sh", "-c", "exit 7")
	waitDone(t, failed)
	if !failed.DiedOnItsOwn() {
		t.Error("a kernel that exited 7: DiedOnItsOwn false")
	}

	// Stop sends SIGTERM, then SIGKILL after the grace: either way agd did it.
	stopped := startKernel(t, nil, "/bin/sh", "-c", "exec sleep 60")
	if st := stopped.Stop(200 * time.Millisecond); !st.Signaled() {
		t.Fatalf("Stop: %v, want killed by a signal", st)
	}
	if stopped.DiedOnItsOwn() {
		t.Error("a kernel agd stopped: DiedOnItsOwn true")
	}
}

// TestForkingThreadMayExit starts the kernel from a goroutine whose thread
// then exits. If Start forked on the caller's thread, Pdeathsig would kill
// the kernel right then (golang/go#27505).
func TestForkingThreadMayExit(t *testing.T) {
	type result struct {
		k   *Kernel
		err error
	}
	stateDir := t.TempDir()
	started := make(chan result)
	// Keep this goroutine's thread to itself, so the one below gets
	// another; if this one is the main thread, that one is not.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for attempt := 0; ; attempt++ {
		onMain := make(chan bool)
		go func() {
			runtime.LockOSThread()
			// The main thread is never terminated, only parked; the test
			// needs a thread that really goes away.
			if syscall.Gettid() == syscall.Getpid() {
				runtime.UnlockOSThread()
				onMain <- true
				return
			}
			onMain <- false
			// Returning while locked makes the runtime terminate this thread.
			k, err := Start(Config{Argv: []string{"/bin/sh", "-c", "exec sleep 60"}, StateDir: stateDir})
			started <- result{k, err}
		}()
		if !<-onMain {
			break
		}
		if attempt == 100 {
			t.Skip("could not get a goroutine off the main thread")
		}
	}
	r := <-started
	if r.err != nil {
		t.Fatal(r.err)
	}
	k := r.k
	t.Cleanup(func() { k.Stop(0); k.ToKernel().Close(); k.FromKernel().Close() })
	if eventually(500*time.Millisecond, func() bool {
		select {
		case <-k.Done():
			return true
		default:
			return false
		}
	}) {
		t.Fatalf("kernel died when the caller's thread exited: %v", k.ExitStatus())
	}
}

func TestProtocolPipesAreLarge(t *testing.T) {
	p, err := openPipes()
	if err != nil {
		t.Fatal(err)
	}
	defer p.closeChildEnds()
	defer p.closeParentEnds()
	for name, f := range map[string]*os.File{"to kernel": p.toKernelW, "from kernel": p.fromKernelW} {
		size, err := unix.FcntlInt(f.Fd(), unix.F_GETPIPE_SZ, 0)
		if err != nil {
			t.Fatal(err)
		}
		if size < protocolPipeSize {
			t.Errorf("%s pipe holds %d bytes, want %d", name, size, protocolPipeSize)
		}
	}
}

// TestRelogReadError: a read error other than EOF ends the logging with an
// error entry naming the stream (a directory stands in for a broken pipe).
func TestRelogReadError(t *testing.T) {
	dir, err := os.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var logger recLogger
	relog(dir, &logger, "stderr", nil)
	logger.mu.Lock()
	defer logger.mu.Unlock()
	if len(logger.entries) != 1 || logger.entries[0].level != "error" || logger.entries[0].msg != "reading kernel output" ||
		kvValue(logger.entries[0].kv, "stream") != "stderr" || kvValue(logger.entries[0].kv, "err") == nil {
		t.Fatalf("logged %+v, want one error entry for the stderr read", logger.entries)
	}
	if dir, err = os.Open(t.TempDir()); err != nil { // relog closed the first
		t.Fatal(err)
	}
	relog(dir, nil, "stderr", nil) // no logger: nothing to log to, and no panic
}
