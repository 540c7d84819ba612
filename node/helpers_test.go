package node

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"cosmossdk.io/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/agd-project/agd/lifecycle/driver"
	"github.com/agd-project/agd/metrics"
	"github.com/agd-project/agd/rpc"
	"github.com/agd-project/agd/supervisor"
)

// logLine is one entry a recLog took.
type logLine struct {
	level, msg string
	kv         []any
}

// recLog is a cosmossdk.io/log Logger that keeps what is logged, its
// With() copies included, for tests that check what agd says.
type recLog struct {
	log.Logger // the nop logger, for the methods not recorded
	mu         *sync.Mutex
	lines      *[]logLine
	with       []any
}

func newRecLog() recLog {
	return recLog{Logger: log.NewNopLogger(), mu: &sync.Mutex{}, lines: &[]logLine{}}
}

func (l recLog) add(level, msg string, kv []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	*l.lines = append(*l.lines, logLine{level, msg, append(append([]any(nil), l.with...), kv...)})
}

func (l recLog) Info(msg string, kv ...any)  { l.add("info", msg, kv) }
func (l recLog) Warn(msg string, kv ...any)  { l.add("warn", msg, kv) }
func (l recLog) Error(msg string, kv ...any) { l.add("error", msg, kv) }
func (l recLog) Debug(msg string, kv ...any) { l.add("debug", msg, kv) }
func (l recLog) With(kv ...any) log.Logger {
	next := l
	next.with = append(append([]any(nil), l.with...), kv...)
	return next
}

// taken is a copy of what was logged so far.
func (l recLog) taken() []logLine {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]logLine(nil), *l.lines...)
}

// has reports whether msg was logged at level.
func (l recLog) has(level, msg string) bool {
	for _, line := range l.taken() {
		if line.level == level && line.msg == msg {
			return true
		}
	}
	return false
}

// noCalls is the driver's kernel in tests that never reach a block: any
// call is a test failure.
type noCalls struct{ t *testing.T }

func (c noCalls) Call(_ context.Context, method string, _, _ any) error {
	c.t.Errorf("unexpected kernel call %s", method)
	return fmt.Errorf("no kernel calls in this test")
}

func (noCalls) Notify(context.Context, string, any) error { return nil }

// testMetrics is a Metrics on a registry of its own.
func testMetrics(t *testing.T) *metrics.Metrics {
	t.Helper()
	m, err := metrics.New(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// childKernel is a runningKernel around a real child process (a shell
// script, not a kernel: the tests that use it make no calls) and a
// lifecycle driver that has not been started, as startKernel builds one.
func childKernel(t *testing.T, script string) *runningKernel {
	t.Helper()
	child, err := supervisor.Start(supervisor.Config{
		Argv:      []string{"/bin/sh", "-c", script},
		StateDir:  filepath.Join(t.TempDir(), "agvm"),
		StopGrace: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	conn := rpc.NewConn(child.FromKernel(), child.ToKernel(), rpc.NewMux())
	m := testMetrics(t)
	rk := &runningKernel{child: child, conn: conn, metrics: m, clock: &blockClock{}, argv: child.Argv()}
	rk.driver = driver.New(driver.Config{
		Kernel: noCalls{t}, Notifier: noCalls{t}, ChainID: "test",
		SignalKernel: func() error { return child.SignalKernel(syscall.SIGTERM) },
		Logger:       log.NewNopLogger(),
	})
	t.Cleanup(rk.abandon)
	return rk
}

// waitReaped waits until the child is reaped.
func waitReaped(t *testing.T, rk *runningKernel) {
	t.Helper()
	select {
	case <-rk.child.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the child was not reaped within 10 s")
	}
}

// sprintKV prints key-value pairs as key=value, space-separated.
func sprintKV(kv []any) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&b, " %v=%v", kv[i], kv[i+1])
	}
	return b.String()
}
