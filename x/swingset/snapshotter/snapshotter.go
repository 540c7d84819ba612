// Package snapshotter puts the kernel's swing-store into agd's state-sync
// snapshots, as the cosmos-sdk snapshot extension "swingset", and takes it
// back out on a restoring node (docs/state-sync.md).
//
// The work on the swing-store is done by a short-lived Node process
// (agvm/src/kernel-db-main.js), never by the running kernel: the export
// reads the committed state of height H through its own SQLite read
// transaction while the kernel goes on committing later blocks (swing-store
// uses WAL), and the import builds a new store beside the kernel's own.
// This package streams the export folder through the snapshot as payloads
// and writes it back to a folder on restore, checking every file's size and
// sha256 against the export's manifest before anything is imported.
package snapshotter

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"cosmossdk.io/log"
	snapshottypes "cosmossdk.io/store/snapshots/types"
)

const (
	// Name is the extension's name in a snapshot.
	Name = "swingset"
	// Format is the payload layout this package writes and reads: payload 0
	// is the export's manifest, then each file's bytes in manifest order, in
	// payloads of at most maxPayloadBytes.
	Format uint32 = 1

	maxPayloadBytes = 4 << 20
	// readyTimeout bounds how long a block's commit waits for the exporter
	// to open its read transaction.
	readyTimeout = 2 * time.Minute
	manifestName = "manifest.json"
)

// Config is what the snapshotter needs from agd.
type Config struct {
	// StateDir is the kernel's state folder (AGVM_STATE_DIR); its
	// swing-store is StateDir/swingstore.
	StateDir string
	// Command runs agvm's kernel-db-main.js: the pinned node and the
	// script's path, to which export/import arguments are appended.
	Command []string
	// ChainID is recorded in a restored store, as a bootstrapped one has it.
	ChainID string
	// Interval is app.toml's state-sync.snapshot-interval (0: none taken).
	Interval uint64
	Logger   log.Logger
}

// RestoreFunc hands a running kernel the swing-store imported for height;
// without one (the offline `agd snapshots restore`), the store is moved into
// place on disk.
type RestoreFunc func(height int64, swingStore string) error

// Snapshotter is the "swingset" snapshot extension.
type Snapshotter struct {
	cfg Config

	mu       sync.Mutex
	exports  map[uint64]*export
	prepared map[uint64]*preparedExport
	restore  RestoreFunc
}

var _ snapshottypes.ExtensionSnapshotter = (*Snapshotter)(nil)

// New returns a snapshotter; a Config without Command takes and restores no
// kernel state and says so when asked to.
func New(cfg Config) *Snapshotter {
	if cfg.Logger == nil {
		cfg.Logger = log.NewNopLogger()
	}
	return &Snapshotter{cfg: cfg, exports: map[uint64]*export{}, prepared: map[uint64]*preparedExport{}}
}

// SetRestore attaches the running kernel (agd start does, once the kernel
// answered its handshake).
func (s *Snapshotter) SetRestore(fn RestoreFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.restore = fn
}

// SnapshotName implements ExtensionSnapshotter.
func (s *Snapshotter) SnapshotName() string { return Name }

// SnapshotFormat implements ExtensionSnapshotter.
func (s *Snapshotter) SnapshotFormat() uint32 { return Format }

// SupportedFormats implements ExtensionSnapshotter.
func (s *Snapshotter) SupportedFormats() []uint32 { return []uint32{Format} }

func (s *Snapshotter) storeDir() string { return filepath.Join(s.cfg.StateDir, "swingstore") }

func (s *Snapshotter) exportDir(height uint64) string {
	return filepath.Join(s.cfg.StateDir, fmt.Sprintf("snapshot-export-%d.tmp", height))
}

// KernelCommitted is called in ABCI Commit(height) right after the kernel
// committed height and before agd's own commit, so before the kernel can
// commit height+1. On a snapshot height it starts the export and waits only
// until the exporter's read transaction is open; the export then goes on
// beside the chain. The block before a snapshot height starts that exporter
// early, to load its modules while the block runs (a new process took
// 0.5-1.2 s to load them, which the snapshot height's commit waited for).
// A failure is logged, not returned: a snapshot is never worth a block.
func (s *Snapshotter) KernelCommitted(height int64) {
	if s.cfg.Interval == 0 || height <= 0 || len(s.cfg.Command) == 0 {
		return
	}
	h := uint64(height)
	if h%s.cfg.Interval == 0 {
		if _, err := s.startExport(h); err != nil {
			s.cfg.Logger.Error("kernel state export for the snapshot failed to start", "height", height, "err", err)
		}
	}
	if (h+1)%s.cfg.Interval == 0 {
		if err := s.prepareExport(h + 1); err != nil {
			s.cfg.Logger.Error("kernel state export could not be started ahead; it starts at its height", "height", h+1, "err", err)
		}
	}
}

// export is one exporter process.
type export struct {
	height  uint64
	dir     string
	started time.Time
	done    chan struct{}
	err     error // set before done closes
}

// preparedExport is an exporter process started a block ahead, its modules
// loaded, waiting for a line on its stdin before it opens its read
// transaction (kernel-db-main.js export ... --when-told).
type preparedExport struct {
	e     *export
	cmd   *exec.Cmd
	stdin io.WriteCloser
	ready <-chan error
}

// prepareExport starts the exporter of height, to be told to go by
// startExport once the kernel has committed height.
func (s *Snapshotter) prepareExport(height uint64) error {
	p, err := s.spawnExport(height, true)
	if err != nil {
		return err
	}
	s.mu.Lock()
	old := s.prepared[height]
	s.prepared[height] = p
	s.mu.Unlock()
	if old != nil {
		_ = old.stdin.Close() // told nothing, it exits
	}
	return nil
}

// startExport starts the export of height, the kernel's last committed
// height, and returns once its read transaction is open.
func (s *Snapshotter) startExport(height uint64) (*export, error) {
	s.mu.Lock()
	p := s.prepared[height]
	delete(s.prepared, height)
	s.mu.Unlock()
	if p != nil {
		if _, err := io.WriteString(p.stdin, "go\n"); err != nil {
			s.cfg.Logger.Error("the kernel exporter started ahead is gone; starting another", "height", height, "err", err)
			p = nil
		}
	}
	if p == nil {
		var err error
		if p, err = s.spawnExport(height, false); err != nil {
			return nil, err
		}
	}
	p.e.started = time.Now() // the export's time, not the wait ahead of it
	s.mu.Lock()
	s.exports[height] = p.e
	s.mu.Unlock()
	select {
	case err := <-p.ready:
		if err != nil {
			return nil, err
		}
	case <-time.After(readyTimeout):
		_ = p.cmd.Process.Kill()
		return nil, fmt.Errorf("kernel export of height %d did not open its read transaction within %s", height, readyTimeout)
	}
	s.cfg.Logger.Info("kernel state export started", "height", height, "ready_after", time.Since(p.e.started).Round(time.Millisecond))
	return p.e, nil
}

// spawnExport starts an exporter process of height; whenTold, it waits for
// a line on its stdin before it opens its read transaction.
func (s *Snapshotter) spawnExport(height uint64, whenTold bool) (*preparedExport, error) {
	dir := s.exportDir(height)
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("remove a stale export folder: %w", err)
	}
	e := &export{height: height, dir: dir, started: time.Now(), done: make(chan struct{})}
	args := []string{"export", s.storeDir(), dir, fmt.Sprint(height)}
	if whenTold {
		args = append(args, "--when-told")
	}
	ready := make(chan error, 1)
	cmd, stdin, stdout, stderr, err := s.run(args...)
	if err != nil {
		e.finish(err)
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sawReady := false
		for sc.Scan() {
			if !sawReady && strings.Contains(sc.Text(), `"ready":true`) {
				sawReady = true
				ready <- nil
			}
		}
		err := cmd.Wait()
		if err != nil {
			err = fmt.Errorf("kernel export of height %d: %w: %s", height, err, strings.TrimSpace(stderr.String()))
		}
		if !sawReady {
			if err == nil {
				err = fmt.Errorf("kernel export of height %d ended without opening its read transaction", height)
			}
			ready <- err
		}
		e.finish(err)
	}()
	return &preparedExport{e: e, cmd: cmd, stdin: stdin, ready: ready}, nil
}

func (e *export) finish(err error) {
	e.err = err
	close(e.done)
}

// run starts kernel-db-main.js with args; stderr is collected. An exporter
// waiting to be told exits when its stdin closes (agd gone).
func (s *Snapshotter) run(args ...string) (*exec.Cmd, io.WriteCloser, io.Reader, *bytes.Buffer, error) {
	argv := append(append([]string{}, s.cfg.Command...), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = s.cfg.StateDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("start %s: %w", strings.Join(argv, " "), err)
	}
	return cmd, stdin, stdout, &stderr, nil
}

// manifest is agvm/src/kernel-db.js's manifest.json.
type manifest struct {
	Format int            `json:"format"`
	Height uint64         `json:"height"`
	Files  []manifestFile `json:"files"`
}

type manifestFile struct {
	Name   string `json:"name"`
	File   string `json:"file"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

func (m *manifest) check(height uint64) error {
	if m.Format != 1 {
		return fmt.Errorf("kernel export format %d, agd reads 1", m.Format)
	}
	if m.Height != height {
		return fmt.Errorf("kernel export is of height %d, the snapshot of height %d", m.Height, height)
	}
	if len(m.Files) == 0 || m.Files[0].Name != "export-data" {
		return errors.New("kernel export manifest must list export-data first")
	}
	for _, f := range m.Files {
		if f.File == "" || f.File != filepath.Base(f.File) || f.File == manifestName || f.File == "." || f.File == ".." {
			return fmt.Errorf("kernel export manifest names a bad file %q", f.File)
		}
		if f.Size < 0 || len(f.SHA256) != 64 {
			return fmt.Errorf("kernel export manifest entry %q has a bad size or sha256", f.Name)
		}
	}
	return nil
}

// SnapshotExtension implements ExtensionSnapshotter: it waits for the
// export KernelCommitted started (or, for `agd snapshots export` on a
// stopped node, runs one now) and streams it as payloads.
func (s *Snapshotter) SnapshotExtension(height uint64, write snapshottypes.ExtensionPayloadWriter) error {
	if len(s.cfg.Command) == 0 {
		return errors.New("no kernel to export: agvm was not found")
	}
	s.mu.Lock()
	e := s.exports[height]
	delete(s.exports, height)
	s.mu.Unlock()
	if e == nil {
		var err error
		if e, err = s.startExport(height); err != nil {
			return err
		}
		s.mu.Lock()
		delete(s.exports, height)
		s.mu.Unlock()
	}
	<-e.done
	defer os.RemoveAll(e.dir)
	if e.err != nil {
		return e.err
	}
	exported := time.Since(e.started)
	raw, err := os.ReadFile(filepath.Join(e.dir, manifestName))
	if err != nil {
		return fmt.Errorf("read the kernel export's manifest: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("kernel export manifest: %w", err)
	}
	if err := m.check(height); err != nil {
		return err
	}
	if err := write(raw); err != nil {
		return err
	}
	var total int64
	buf := make([]byte, maxPayloadBytes)
	for _, f := range m.Files {
		if err := streamFile(filepath.Join(e.dir, f.File), buf, write); err != nil {
			return fmt.Errorf("kernel artifact %s: %w", f.Name, err)
		}
		total += f.Size
	}
	s.cfg.Logger.Info("kernel state added to the snapshot", "height", height, "files", len(m.Files),
		"bytes", total, "export_time", exported.Round(time.Millisecond))
	return nil
}

func streamFile(path string, buf []byte, write snapshottypes.ExtensionPayloadWriter) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for {
		n, err := io.ReadFull(f, buf)
		if n > 0 {
			if werr := write(append([]byte(nil), buf[:n]...)); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// RestoreExtension implements ExtensionSnapshotter. It writes the payloads
// back into an export folder, checking each file's size and sha256 and that
// the payload ends where the manifest says, imports it into a new
// swing-store beside the kernel's, and hands that to the kernel (or, with
// no kernel running, moves it into place, keeping any store it replaces).
// Nothing on disk is touched until the whole payload checked out.
func (s *Snapshotter) RestoreExtension(height uint64, format uint32, read snapshottypes.ExtensionPayloadReader) error {
	if format != Format {
		return fmt.Errorf("%w: swingset extension format %d", snapshottypes.ErrUnknownFormat, format)
	}
	if len(s.cfg.Command) == 0 {
		return errors.New("cannot restore the kernel's state: agvm was not found")
	}
	t0 := time.Now()
	staging := filepath.Join(s.cfg.StateDir, fmt.Sprintf("snapshot-restore-%d.tmp", height))
	if err := os.RemoveAll(staging); err != nil {
		return err
	}
	if err := os.MkdirAll(staging, 0o750); err != nil {
		return err
	}
	defer os.RemoveAll(staging)
	n, err := ReadPayloads(height, read, staging)
	if err != nil {
		return err
	}
	imported := filepath.Join(s.cfg.StateDir, "swingstore.restored")
	if err := os.RemoveAll(imported); err != nil {
		return err
	}
	args := []string{"import", staging, imported, fmt.Sprint(height)}
	if s.cfg.ChainID != "" {
		args = append(args, s.cfg.ChainID)
	}
	cmd, _, stdout, stderr, err := s.run(args...)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil {
		_ = os.RemoveAll(imported)
		return fmt.Errorf("import of the kernel state of height %d: %w: %s", height, err, strings.TrimSpace(stderr.String()))
	}
	s.cfg.Logger.Info("kernel state imported from the snapshot", "height", height, "bytes", n, "time", time.Since(t0).Round(time.Millisecond))

	s.mu.Lock()
	restore := s.restore
	s.mu.Unlock()
	if restore != nil {
		if err := restore(int64(height), imported); err != nil {
			return fmt.Errorf("kernel restore of height %d: %w", height, err)
		}
		return nil
	}
	return s.installOffline(height, imported)
}

// installOffline moves the imported store into place; a store already there
// is kept beside it, renamed, never deleted.
func (s *Snapshotter) installOffline(height uint64, imported string) error {
	live := s.storeDir()
	if _, err := os.Stat(live); err == nil {
		aside := fmt.Sprintf("%s.replaced-%d", live, time.Now().Unix())
		if err := os.Rename(live, aside); err != nil {
			return fmt.Errorf("move the existing kernel store aside: %w", err)
		}
		s.cfg.Logger.Info("kept the kernel store the restore replaces", "path", aside)
	}
	if err := os.Rename(imported, live); err != nil {
		return fmt.Errorf("move the restored kernel store into place: %w", err)
	}
	s.cfg.Logger.Info("kernel state restored", "height", height, "path", live)
	return nil
}

// ReadPayloads writes the extension's payloads for height into dir as the
// export folder they came from, and returns the bytes written. It fails,
// naming the file, on a payload that is missing, short, too long or whose
// sha256 differs from the manifest's, and when payloads follow the last file.
func ReadPayloads(height uint64, read snapshottypes.ExtensionPayloadReader, dir string) (int64, error) {
	raw, err := read()
	if errors.Is(err, io.EOF) {
		return 0, errors.New("kernel payload is empty: the snapshot's swingset extension has no manifest")
	}
	if err != nil {
		return 0, err
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return 0, fmt.Errorf("kernel payload's manifest: %w", err)
	}
	if err := m.check(height); err != nil {
		return 0, err
	}
	if err := os.WriteFile(filepath.Join(dir, manifestName), raw, 0o640); err != nil {
		return 0, err
	}
	var pending []byte
	var total int64
	for _, f := range m.Files {
		n, rest, err := readFile(read, filepath.Join(dir, f.File), f, pending)
		if err != nil {
			return 0, err
		}
		pending = rest
		total += n
	}
	if len(pending) > 0 {
		return 0, fmt.Errorf("kernel payload has %d bytes more than its manifest lists", len(pending))
	}
	if extra, err := read(); !errors.Is(err, io.EOF) {
		if err != nil {
			return 0, err
		}
		return 0, fmt.Errorf("kernel payload has %d bytes more than its manifest lists", len(extra))
	}
	return total, nil
}

// readFile writes f.Size bytes, starting with pending, then from payloads;
// it returns the bytes of the last payload beyond the file.
func readFile(read snapshottypes.ExtensionPayloadReader, path string, f manifestFile, pending []byte) (int64, []byte, error) {
	out, err := os.Create(path)
	if err != nil {
		return 0, nil, err
	}
	defer out.Close()
	h := sha256.New()
	var got int64
	for got < f.Size {
		if len(pending) == 0 {
			p, err := read()
			if errors.Is(err, io.EOF) {
				return 0, nil, fmt.Errorf("kernel payload is truncated: artifact %s (%s) got %d of %d bytes", f.Name, f.File, got, f.Size)
			}
			if err != nil {
				return 0, nil, err
			}
			pending = p
		}
		take := pending
		if int64(len(take)) > f.Size-got {
			take = take[:f.Size-got]
		}
		if _, err := out.Write(take); err != nil {
			return 0, nil, err
		}
		h.Write(take)
		got += int64(len(take))
		pending = pending[len(take):]
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != f.SHA256 {
		return 0, nil, fmt.Errorf("kernel artifact %s (%s) has sha256 %s, the manifest says %s", f.Name, f.File, sum, f.SHA256)
	}
	return got, pending, out.Close()
}
