package flightrec

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// TestLoadDirLayouts: Load reads block files at the folder's top, in its
// slog/ folder (an unpacked dump's slog folder's parent) or one level
// further down (the folder a dump unpacks into), and returns them in block
// order even where the file names' order differs (block 10 before 9).
func TestLoadDirLayouts(t *testing.T) {
	for _, sub := range []string{".", "slog", filepath.Join("12-deadbeef", "slog")} {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, sub), 0o755)
		for _, h := range []int64{9, 10, 100} {
			data := fmt.Sprintf("{\"n\":%d}\n{\"n\":%d}\n", h, h+1)
			if err := os.WriteFile(filepath.Join(dir, sub, BlockFileName(h)), []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		recs, err := Load(dir)
		if err != nil {
			t.Fatalf("%s: %v", sub, err)
		}
		var got string
		for _, r := range recs {
			got += fmt.Sprintf("%d:%s ", r.Height, r.Entry)
		}
		if want := `9:{"n":9} 9:{"n":10} 10:{"n":10} 10:{"n":11} 100:{"n":100} 100:{"n":101} `; got != want {
			t.Fatalf("%s: loaded %s\nwant %s", sub, got, want)
		}
	}
	if _, err := Load(t.TempDir()); err == nil {
		t.Fatal("an empty folder loaded without error")
	}
}

// TestBlockFileNameRoundTrip: parseBlockFileName is BlockFileName's
// inverse, block 0 included, and refuses every other name.
func TestBlockFileNameRoundTrip(t *testing.T) {
	for _, h := range []int64{0, 1, 10, 1 << 40} {
		if got, ok := parseBlockFileName(BlockFileName(h)); !ok || got != h {
			t.Errorf("parseBlockFileName(%q) = %d, %v", BlockFileName(h), got, ok)
		}
	}
	for _, name := range []string{"block--1.jsonl", "block-x.jsonl", "block-1.json", "blk-1.jsonl", "block-.jsonl", StartupFileName} {
		if h, ok := parseBlockFileName(name); ok {
			t.Errorf("parseBlockFileName(%q) = %d, true", name, h)
		}
	}
}

// TestReopenClearsTheStartupRecord: a restart replaces the previous run's
// start-up record; finding one is no error.
func TestReopenClearsTheStartupRecord(t *testing.T) {
	dir := t.TempDir()
	for run := 1; run <= 3; run++ {
		r, err := Open(Config{Dir: dir, Policy: Policy{KeepBlocks: 2}})
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		r.Write(batch(fmt.Sprintf(`{"type":"vat-startup-start","run":%d}`, run)))
		r.Close()
		startup, _ := os.ReadFile(filepath.Join(dir, StartupFileName))
		if want := fmt.Sprintf("{\"type\":\"vat-startup-start\",\"run\":%d}\n", run); string(startup) != want {
			t.Fatalf("run %d: startup.jsonl holds %q, want %q", run, startup, want)
		}
	}
}

// TestLoadPlainFiles: a plain slog file's entries take their block from the
// markers before them (0 before the first), a cut-short last line is
// skipped; a block-<H>.jsonl file given by name is all block H; a path that
// exists but cannot be opened as a file (a socket) is an error.
func TestLoadPlainFiles(t *testing.T) {
	dir := t.TempDir()
	slog := filepath.Join(dir, "kernel.slog")
	data := `{"type":"boot"}
{"type":"cosmic-swingset-begin-block","blockHeight":7}
{"type":"deliver","n":1}
{"type":"cosmic-swingset-begin-block","blockHeight":8}
{"type":"deliver","n":2}
{"type":"cut`
	if err := os.WriteFile(slog, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	block := filepath.Join(dir, BlockFileName(12))
	if err := os.WriteFile(block, []byte("{\"n\":1}\n{\"type\":\"cosmic-swingset-begin-block\",\"blockHeight\":99}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{slog, `0:{"type":"boot"} 7:{"type":"cosmic-swingset-begin-block","blockHeight":7} 7:{"type":"deliver","n":1} ` +
			`8:{"type":"cosmic-swingset-begin-block","blockHeight":8} 8:{"type":"deliver","n":2} `},
		{block, `12:{"n":1} 12:{"type":"cosmic-swingset-begin-block","blockHeight":99} `},
	} {
		recs, err := Load(tc.path)
		if err != nil {
			t.Fatalf("Load(%s): %v", tc.path, err)
		}
		var got string
		for _, r := range recs {
			got += fmt.Sprintf("%d:%s ", r.Height, r.Entry)
		}
		if got != tc.want {
			t.Errorf("Load(%s) = %s\nwant %s", filepath.Base(tc.path), got, tc.want)
		}
	}

	sock := filepath.Join(dir, "kernel.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if recs, err := Load(sock); err == nil {
		t.Errorf("Load(a socket) = %d records, no error", len(recs))
	}
}
