package snapshotter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeExporter stands in for kernel-db-main.js's command line only: it logs
// its arguments, and with --when-told says it loaded and waits for stdin's
// line before it says ready. It exports nothing; the real exporter is
// agvm/test/kernel-db.test.js's and the state-sync e2e test's.
const fakeExporter = `echo "$*" >> "$LOG"
case " $* " in *" --when-told "*) echo '{"loaded":true}'; read -r line || exit 0; echo "told $line" >> "$LOG";; esac
echo '{"ready":true}'
`

func fakeSnapshotter(t *testing.T, interval uint64) (*Snapshotter, func() []string) {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "calls.log")
	t.Setenv("LOG", log)
	s := New(Config{StateDir: dir, Command: []string{"sh", "-c", fakeExporter, "exporter"}, Interval: interval})
	calls := func() []string {
		raw, _ := os.ReadFile(log)
		return strings.Fields(strings.ReplaceAll(strings.TrimSpace(string(raw)), " ", "_"))
	}
	return s, calls
}

// waitCalls waits for the fake exporter's log to hold n lines; the process
// it was started in runs on its own.
func waitCalls(t *testing.T, calls func() []string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c := calls(); len(c) >= n {
			return c
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the exporter's log holds %q, want %d lines", calls(), n)
	return nil
}

// The block before a snapshot height starts the exporter, waiting; the
// snapshot height tells it to go instead of starting another.
func TestExporterStartsABlockAhead(t *testing.T) {
	s, calls := fakeSnapshotter(t, 10)
	s.KernelCommitted(8)
	s.KernelCommitted(9)
	c := waitCalls(t, calls, 1)
	if len(c) != 1 || !strings.HasPrefix(c[0], "export_") || !strings.HasSuffix(c[0], "_10_--when-told") {
		t.Fatalf("after block 9 the exporter was started as %q, want one export of height 10 --when-told", c)
	}
	s.KernelCommitted(10)
	c = waitCalls(t, calls, 2)
	if len(c) != 2 || c[1] != "told_go" {
		t.Fatalf("after block 10 the calls are %q, want the exporter of 10 told to go and no other started", c)
	}
	s.mu.Lock()
	_, started := s.exports[10]
	left := len(s.prepared)
	s.mu.Unlock()
	if !started || left != 0 {
		t.Fatalf("export of 10 registered: %v, exporters still waiting: %d; want true, 0", started, left)
	}
}

// A snapshot height whose block before it ran in another process (a
// restart) starts its exporter at its height.
func TestExporterStartsAtItsHeightWithoutOneAhead(t *testing.T) {
	s, calls := fakeSnapshotter(t, 10)
	s.KernelCommitted(20)
	c := waitCalls(t, calls, 1)
	if len(c) != 1 || !strings.HasSuffix(c[0], "_20") {
		t.Fatalf("calls %q, want one export of height 20 without --when-told", c)
	}
}
