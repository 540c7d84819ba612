package supervisor

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agd-project/agd/internal/proc"
)

// helperEnv selects a helper-process role when the test binary re-executes
// itself (see TestMain).
const helperEnv = "SUPERVISOR_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(m.Run())
	case "pdeathsig":
		pdeathsigHelper()
	case "findagvm":
		findAgvmHelper()
	default:
		fmt.Fprintf(os.Stderr, "unknown %s=%q\n", helperEnv, os.Getenv(helperEnv))
		os.Exit(2)
	}
}

// logEntry is one call to recLogger.
type logEntry struct {
	level string
	msg   string
	kv    []any
}

// recLogger records what the supervisor logs.
type recLogger struct {
	mu      sync.Mutex
	entries []logEntry
}

func (l *recLogger) Info(msg string, kv ...any)  { l.add("info", msg, kv) }
func (l *recLogger) Error(msg string, kv ...any) { l.add("error", msg, kv) }

func (l *recLogger) add(level, msg string, kv []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, logEntry{level, msg, kv})
}

// lines returns the messages logged with module=agvm and the given stream.
func (l *recLogger) lines(stream string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.entries {
		if kvValue(e.kv, "module") == LogTag && kvValue(e.kv, "stream") == stream {
			out = append(out, e.msg)
		}
	}
	return out
}

func kvValue(kv []any, key string) any {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i] == key {
			return kv[i+1]
		}
	}
	return nil
}

// script is the absolute path of a testdata script; absolute because the
// kernel runs in its state directory.
func script(t testing.TB, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startKernel starts argv with a fresh state dir and makes sure the kernel
// is gone when the test ends.
func startKernel(t *testing.T, logger Logger, argv ...string) *Kernel {
	t.Helper()
	k, err := Start(Config{Argv: argv, StateDir: filepath.Join(t.TempDir(), "state"), Logger: logger})
	if err != nil {
		t.Fatalf("Start(%q): %v", argv, err)
	}
	t.Cleanup(func() {
		k.Stop(0)
		k.ToKernel().Close()
		k.FromKernel().Close()
	})
	return k
}

// waitDone waits (generously) for the kernel to be reaped.
func waitDone(t *testing.T, k *Kernel) {
	t.Helper()
	select {
	case <-k.Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("kernel pid %d did not end within 10s", k.Pid())
	}
}

// lineReader reads lines from the kernel's fd 5 with a deadline, so a
// broken kernel fails the test instead of hanging it.
type lineReader struct {
	f *os.File
	r *bufio.Reader
}

func newLineReader(f *os.File) *lineReader { return &lineReader{f, bufio.NewReader(f)} }

func (lr *lineReader) next(t *testing.T) string {
	t.Helper()
	if err := lr.f.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	line, err := lr.r.ReadString('\n')
	if err != nil {
		t.Fatalf("reading from kernel: %v (partial %q)", err, line)
	}
	return strings.TrimSuffix(line, "\n")
}

// procExited reports whether pid no longer runs the process that started
// at startTime: it is gone, reused, or has exited and waits for a reaper
// (a zombie). It asks proc.Exited's question, not proc.Gone's, because
// these tests watch orphans: in a container PID 1 may never reap them, and
// that is not the supervisor's failure.
func procExited(pid int, startTime uint64) bool {
	s, err := proc.ReadStat(pid)
	return err != nil || s.StartTicks != startTime || s.Exited()
}

// eventually polls cond every 10ms until it holds or d passes.
func eventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}
