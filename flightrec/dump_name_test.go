package flightrec

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
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

// TestReadFailureRecordNeedsFailureJSON: a .tar.gz without failure.json is
// not a dump, and says so.
func TestReadFailureRecordNeedsFailureJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.tar.gz")
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: "x/README.txt", Mode: 0o644, Size: 2, Typeflag: tar.TypeReg})
	tw.Write([]byte("hi"))
	tw.Close()
	gz.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readFailureRecord(path); err == nil || !strings.Contains(err.Error(), "no failure.json") {
		t.Fatalf("readFailureRecord of a tarball without failure.json: %v", err)
	}
}

// TestActivityHashes: each line naming an activity hash (either spelling)
// gives one link with its type and crank; lines without one, with an empty
// one, or that are not JSON give none.
func TestActivityHashes(t *testing.T) {
	data := []byte(`{"type":"cosmic-swingset-end-block-finish","blockHeight":4,"activityHash":"aa"}
{"type":"crank-finish","crankNum":7,"activityhash":"bb"}
{"type":"x","activityHash":""}
{"type":"y","note":"activityHash"}
not json activityHash
{"type":"z","activityHash":"cc","activityhash":"dd"}
`)
	got, _ := json.Marshal(activityHashes(4, data))
	want := `[{"height":4,"type":"cosmic-swingset-end-block-finish","activityHash":"aa"},` +
		`{"height":4,"type":"crank-finish","crankNum":7,"activityHash":"bb"},` +
		`{"height":4,"type":"z","activityHash":"cc"}]`
	if string(got) != want {
		t.Fatalf("activityHashes:\n%s\nwant\n%s", got, want)
	}
}

// TestExistingDumpsListsEveryEarlierOne: every earlier dump of a failure is
// found, in order, up to the first free number.
func TestExistingDumpsListsEveryEarlierOne(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{1, 2, 3, 5} {
		if err := os.WriteFile(dumpPath(dir, "x", n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := existingDumps(dir, "x")
	want := []string{dumpPath(dir, "x", 1), dumpPath(dir, "x", 2), dumpPath(dir, "x", 3)}
	if err != nil || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("existingDumps = %q, %v; want %q", got, err, want)
	}
}
