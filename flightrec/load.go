package flightrec

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Record is one slog entry and the block it belongs to.
type Record struct {
	Height int64
	Entry  json.RawMessage
}

// Load reads the entries of a dump (.tar.gz), of a folder holding
// block-<H>.jsonl files (a recorder's folder, an unpacked dump or its slog
// folder), or of a plain slog file (JSONL, e.g. the kernel's SLOGFILE,
// whose blocks are found from the block markers). Records come in block
// order, each block's in the order they were written. A line that is not
// JSON (the last one of a file cut short by a crash) is skipped.
func Load(path string) ([]Record, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return loadDir(path)
	}
	if strings.HasSuffix(path, ".tar.gz") || strings.HasSuffix(path, ".tgz") {
		return loadDump(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if h, ok := parseBlockFileName(filepath.Base(path)); ok {
		return readLines(f, func(json.RawMessage) int64 { return h })
	}
	return readLines(f, attributor())
}

// attributor gives each entry of a plain slog file its block, as the
// recorder does: a block marker starts its block, the rest follow it.
func attributor() func(json.RawMessage) int64 {
	current := int64(0)
	return func(e json.RawMessage) int64 {
		if h, ok := markerHeight(e); ok {
			current = h
		}
		return current
	}
}

func readLines(r io.Reader, heightOf func(json.RawMessage) int64) ([]Record, error) {
	var out []Record
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || !json.Valid(line) {
			continue
		}
		e := json.RawMessage(bytes.Clone(line))
		out = append(out, Record{Height: heightOf(e), Entry: e})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read slog: %w", err)
	}
	return out, nil
}

func loadDir(dir string) ([]Record, error) {
	var files []string
	for _, pattern := range []string{"block-*.jsonl", "slog/block-*.jsonl", "*/slog/block-*.jsonl"} {
		m, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return nil, err
		}
		if len(m) > 0 {
			files = m
			break
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no block-<H>.jsonl files", dir)
	}
	var out []Record
	for _, p := range files {
		h, ok := parseBlockFileName(filepath.Base(p))
		if !ok {
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		recs, err := readLines(f, func(json.RawMessage) int64 { return h })
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, recs...)
	}
	sortByBlock(out)
	return out, nil
}

func loadDump(path string) ([]Record, error) {
	var out []Record
	err := eachTarMember(path, func(member string, r io.Reader) error {
		h, ok := parseBlockFileName(filepath.Base(member))
		if !ok {
			return nil
		}
		recs, err := readLines(r, func(json.RawMessage) int64 { return h })
		out = append(out, recs...)
		return err
	})
	sortByBlock(out)
	return out, err
}

func sortByBlock(recs []Record) {
	slices.SortStableFunc(recs, func(a, b Record) int {
		switch {
		case a.Height < b.Height:
			return -1
		case a.Height > b.Height:
			return 1
		}
		return 0
	})
}
