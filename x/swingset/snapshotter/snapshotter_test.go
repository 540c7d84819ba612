package snapshotter

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// payloads builds an extension payload stream as SnapshotExtension writes
// it: the manifest, then each file in payloads of at most chunk bytes.
func payloads(t *testing.T, height uint64, files map[string][]byte, order []string, chunk int) ([][]byte, manifest) {
	t.Helper()
	m := manifest{Format: 1, Height: height}
	for i, name := range order {
		data := files[name]
		sum := sha256.Sum256(data)
		file := "export-data.jsonl"
		if i > 0 {
			file = "artifact-" + name
		}
		m.Files = append(m.Files, manifestFile{Name: name, File: file, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])})
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	out := [][]byte{raw}
	for _, name := range order {
		data := files[name]
		for len(data) > 0 {
			n := min(chunk, len(data))
			out = append(out, data[:n])
			data = data[n:]
		}
	}
	return out, m
}

// reader hands out ps, then io.EOF, as the SDK's payload reader does at the
// extension's end.
func reader(ps [][]byte) func() ([]byte, error) {
	i := 0
	return func() ([]byte, error) {
		if i >= len(ps) {
			return nil, io.EOF
		}
		i++
		return ps[i-1], nil
	}
}

var testFiles = map[string][]byte{
	"export-data":   []byte(`["kv.agvm.blockHeight","20"]` + "\n"),
	"bundle.b1-abc": []byte(strings.Repeat("bundle bytes ", 1000)),
	"snapshot.v1.3": []byte(strings.Repeat("heap ", 3000)),
}
var testOrder = []string{"export-data", "bundle.b1-abc", "snapshot.v1.3"}

func TestReadPayloadsWritesTheExportFolderBack(t *testing.T) {
	ps, m := payloads(t, 20, testFiles, testOrder, 1000)
	dir := t.TempDir()
	n, err := ReadPayloads(20, reader(ps), dir)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, f := range m.Files {
		got, err := os.ReadFile(filepath.Join(dir, f.File))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(testFiles[f.Name]) {
			t.Errorf("%s: wrong bytes", f.Name)
		}
		total += f.Size
	}
	if n != total {
		t.Errorf("wrote %d bytes, want %d", n, total)
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil {
		t.Error(err)
	}
}

func TestReadPayloadsRefusesBadInput(t *testing.T) {
	good, m := payloads(t, 20, testFiles, testOrder, 1000)
	snap := m.Files[2]
	flipped := append([][]byte{}, good...)
	last := append([]byte{}, flipped[len(flipped)-1]...)
	last[0] ^= 0xff
	flipped[len(flipped)-1] = last
	cases := []struct {
		name   string
		ps     [][]byte
		height uint64
		want   string
	}{
		{"no payload at all", nil, 20, "kernel payload is empty"},
		{"truncated: the last payload missing", good[:len(good)-1], 20,
			"kernel payload is truncated: artifact snapshot.v1.3 (" + snap.File + ") got 14000 of 15000 bytes"},
		{"truncated: only the manifest", good[:1], 20, "kernel payload is truncated: artifact export-data"},
		{"a changed byte", flipped, 20, "kernel artifact snapshot.v1.3 (" + snap.File + ") has sha256 "},
		{"a payload more than the manifest lists", append(append([][]byte{}, good...), []byte("extra")), 20,
			"kernel payload has 5 bytes more than its manifest lists"},
		{"another height", good, 30, "kernel export is of height 20, the snapshot of height 30"},
		{"not a manifest", [][]byte{[]byte("not json")}, 20, "kernel payload's manifest"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadPayloads(tc.height, reader(tc.ps), t.TempDir())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestReadPayloadsRefusesFileNamesOutsideTheFolder(t *testing.T) {
	m := manifest{Format: 1, Height: 20, Files: []manifestFile{{Name: "export-data", File: "../escape", Size: 0, SHA256: strings.Repeat("0", 64)}}}
	raw, _ := json.Marshal(m)
	_, err := ReadPayloads(20, reader([][]byte{raw}), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), `names a bad file "../escape"`) {
		t.Fatalf("error %v", err)
	}
}

// A bad payload fails the restore before the importer runs, and the kernel
// store already on disk stays as it was.
func TestRestoreExtensionLeavesTheStoreOnBadInput(t *testing.T) {
	state := t.TempDir()
	live := filepath.Join(state, "swingstore")
	if err := os.MkdirAll(live, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(live, "swingstore.sqlite"), []byte("committed"), 0o640); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(state, "importer-ran")
	s := New(Config{StateDir: state, Command: []string{"/bin/sh", "-c", "touch " + marker}})
	good, _ := payloads(t, 20, testFiles, testOrder, 1000)
	err := s.RestoreExtension(20, Format, reader(good[:len(good)-1]))
	if err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("error %v, want truncated", err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the importer ran on a truncated payload")
	}
	if got, err := os.ReadFile(filepath.Join(live, "swingstore.sqlite")); err != nil || string(got) != "committed" {
		t.Errorf("the kernel store changed: %q, %v", got, err)
	}
	entries, _ := os.ReadDir(state)
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
	if err := s.RestoreExtension(20, 2, reader(good)); err == nil || !strings.Contains(err.Error(), "format 2") {
		t.Errorf("unknown format: %v", err)
	}
}
