package flightrec

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWriteNewSkipsNamesTakenMeanwhile: a name taken after the caller
// counted the dumps (another process dumping at the same moment) is skipped
// upward to the next free one; neither file is replaced, and no temporary
// file is left.
func TestWriteNewSkipsNamesTakenMeanwhile(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{1, 2} {
		if err := os.WriteFile(dumpPath(dir, "x", n), []byte("theirs"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path, err := writeNew(dir, "x", 0, []byte("ours"))
	if err != nil || path != dumpPath(dir, "x", 3) {
		t.Fatalf("writeNew: %q, %v; want %q", path, err, dumpPath(dir, "x", 3))
	}
	for n, want := range map[int]string{1: "theirs", 2: "theirs", 3: "ours"} {
		if b, err := os.ReadFile(dumpPath(dir, "x", n)); err != nil || string(b) != want {
			t.Errorf("dump %d holds %q, %v; want %q", n, b, err, want)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".dump-*")); len(left) != 0 {
		t.Errorf("temporary files left: %q", left)
	}
}
