package flightrec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

const (
	blockPrefix = "block-"
	blockSuffix = ".jsonl"
)

// BlockFileName is the name of block h's file in a recorder's folder.
func BlockFileName(h int64) string { return blockPrefix + strconv.FormatInt(h, 10) + blockSuffix }

// parseBlockFileName is BlockFileName's inverse.
func parseBlockFileName(name string) (int64, bool) {
	if !strings.HasPrefix(name, blockPrefix) || !strings.HasSuffix(name, blockSuffix) {
		return 0, false
	}
	h, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(name, blockPrefix), blockSuffix), 10, 64)
	return h, err == nil && h >= 0
}

// store performs Retention's actions on files. Writes go straight to
// write(2) on an O_APPEND descriptor: a crash of agd loses nothing that was
// handed to the kernel's page cache, and there is no fsync because the
// record is evidence, not state, and must not slow the kernel down.
type store struct {
	dir    string
	height int64
	file   *os.File // block height's file, opened on its first write
}

func openStore(dir string) (*store, []Block, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("create flight recorder folder: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("read flight recorder folder: %w", err)
	}
	var blocks []Block
	for _, e := range entries {
		h, ok := parseBlockFileName(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, nil, fmt.Errorf("flight recorder file %s: %w", e.Name(), err)
		}
		blocks = append(blocks, Block{Height: h, Size: info.Size()})
	}
	return &store{dir: dir, height: -1}, blocks, nil
}

func (s *store) path(h int64) string { return filepath.Join(s.dir, BlockFileName(h)) }

// StartupFileName is where a run's entries from before its first block go.
const StartupFileName = "startup.jsonl"

// clearStartup removes the previous run's start-up record.
func (s *store) clearStartup() error {
	if err := os.Remove(filepath.Join(s.dir, StartupFileName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("clear flight recorder start-up record: %w", err)
	}
	return nil
}

// writeStartup appends data to this run's start-up record.
func (s *store) writeStartup(data []byte) error {
	f, err := os.OpenFile(filepath.Join(s.dir, StartupFileName), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("open flight recorder start-up record: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write flight recorder start-up record: %w", err)
	}
	return nil
}

// write appends data to block h's file.
func (s *store) write(h int64, data []byte) error {
	if s.file == nil || s.height != h {
		if err := s.closeFile(); err != nil {
			return err
		}
		f, err := os.OpenFile(s.path(h), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return fmt.Errorf("open flight recorder file: %w", err)
		}
		s.file, s.height = f, h
	}
	if _, err := s.file.Write(data); err != nil {
		return fmt.Errorf("write flight recorder file %s: %w", s.file.Name(), err)
	}
	return nil
}

func (s *store) remove(h int64) error {
	if s.file != nil && s.height == h {
		if err := s.closeFile(); err != nil {
			return err
		}
	}
	if err := os.Remove(s.path(h)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("release flight recorder block: %w", err)
	}
	return nil
}

func (s *store) closeFile() error {
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	s.file, s.height = nil, -1
	if err != nil {
		return fmt.Errorf("close flight recorder file: %w", err)
	}
	return nil
}
