package flightrec

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWriteStartupReportsAFailedWrite: a write that fails on an open file
// (a full disk; /dev/full stands in for it) is reported even though the
// close after it succeeds.
func TestWriteStartupReportsAFailedWrite(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full:", err)
	}
	dir := t.TempDir()
	if err := os.Symlink("/dev/full", filepath.Join(dir, StartupFileName)); err != nil {
		t.Fatal(err)
	}
	s := &store{dir: dir, height: -1}
	if err := s.writeStartup([]byte("{\"type\":\"boot\"}\n")); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("writeStartup on a full disk = %v, want ENOSPC", err)
	}
}

// TestStoreRemoveOfTheOpenBlock: releasing the block whose file is open
// closes it, so that writing that height again (after a rollback) creates a
// new file instead of appending to the unlinked one.
func TestStoreRemoveOfTheOpenBlock(t *testing.T) {
	dir := t.TempDir()
	s, _, err := openStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.closeFile()
	if err := s.write(5, []byte("a\n")); err != nil {
		t.Fatal(err)
	}
	if err := s.remove(5); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.path(5)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("block 5's file after remove: %v, want it gone", err)
	}
	if err := s.write(5, []byte("b\n")); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(s.path(5)); err != nil || string(got) != "b\n" {
		t.Fatalf("block 5's file after writing it again = %q, %v; want %q", got, err, "b\n")
	}
}
