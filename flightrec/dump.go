package flightrec

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// DumpConfigFiles are the only files a dump takes from the config folder.
// It is a list of what to take, not of what to leave out, so a key file
// added to the folder later is never swept in.
var DumpConfigFiles = []string{"config.toml", "app.toml", "client.toml", "genesis.json"}

// secretFile reports names that must never leave the node, whatever list
// they came from: a second check behind DumpConfigFiles.
func secretFile(name string) bool {
	base := strings.ToLower(filepath.Base(name))
	return base == "priv_validator_key.json" || base == "node_key.json" ||
		strings.Contains(base, "keyring") || strings.HasSuffix(base, ".info") ||
		strings.HasSuffix(base, ".address") || strings.Contains(base, "priv_validator_state")
}

// DumpInput is what a dump holds besides the slog.
type DumpInput struct {
	// Height is the block whose AppHash diverged: this node's last
	// committed block, whose AppHash the network's next block disputes.
	Height   int64
	Mismatch Mismatch
	// Versions names agd's, Node's and the kernel's versions, and anything
	// else the caller knows about what ran.
	Versions map[string]string
	// StoredActivityHash is x/swingset's committed activity hash, if known.
	StoredActivityHash string
	// ConfigDir is <home>/config; DumpConfigFiles are copied from it.
	ConfigDir string
	Now       time.Time
}

// DumpResult says where the evidence is.
type DumpResult struct {
	Path string
	// ID is <height>-<first 8 hex of our AppHash>, the failure's name.
	ID string
	// Kept is set when an earlier dump of this failure already holds the
	// same evidence (or more): Path is that dump, and nothing was written.
	Kept bool
}

// failureRecord is failure.json, the dump's summary.
type failureRecord struct {
	ID                 string            `json:"id"`
	Height             int64             `json:"height"`
	DetectedBy         string            `json:"detectedBy"`
	OurAppHash         string            `json:"ourAppHash"`
	NetworkAppHash     string            `json:"networkAppHash"`
	Error              string            `json:"error"`
	DetectedAt         string            `json:"detectedAt"`
	Versions           map[string]string `json:"versions"`
	ActivityHashes     []activityHash    `json:"activityHashes"`
	StoredActivityHash string            `json:"storedActivityHash,omitempty"`
	SlogBlocks         []Block           `json:"slogBlocks"`
	// EvidenceDigest is a SHA-256 over the height, our AppHash and the
	// slog: two dumps of one failure with the same digest hold the same
	// evidence.
	EvidenceDigest string `json:"evidenceDigest"`
}

// activityHash is one link of the kernel's activity hash chain, as the
// slog reported it (end-block-finish, and crank-finish where the kernel
// writes those).
type activityHash struct {
	Height       int64  `json:"height"`
	Type         string `json:"type"`
	CrankNum     any    `json:"crankNum,omitempty"`
	ActivityHash string `json:"activityHash"`
}

const readmeText = `This is agd's flight record of a consensus failure: this node computed an
AppHash that differs from the one the network committed.

failure.json   both AppHashes, the kernel's activity hash chain, versions
slog/          the kernel's slog entries of the failing block and the one before
config/        config.toml, app.toml, client.toml, genesis.json (no keys)

Compare it with a healthy node's record:
  agd flightrec diff <this file> <healthy home>/data/flight-recorder
`

const (
	dumpPrefix = "consensus-failure-"
	dumpSuffix = ".tar.gz"
)

// Dumps lists the consensus-failure dumps in dir by file name; a missing
// dir holds none.
func Dumps(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list flight recorder dumps: %w", err)
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && strings.HasPrefix(n, dumpPrefix) && strings.HasSuffix(n, dumpSuffix) {
			names = append(names, n)
		}
	}
	return names, nil
}

// Dump writes the evidence of a failure at in.Height to
// dir/consensus-failure-<ID>.tar.gz: the recorded slog of blocks Height-1
// and Height and in's facts. It never writes over an earlier dump: if one
// with the same name holds the same evidence, or this one has no slog to
// add, the earlier one is kept; otherwise the new one is written beside it.
func (r *Recorder) Dump(dir string, in DumpInput) (DumpResult, error) {
	id := in.Mismatch.ID(in.Height)
	name := dumpPrefix + id
	heights := []int64{in.Height - 1, in.Height}
	slogs, err := r.readBlocks(heights...)
	if err != nil {
		return DumpResult{}, err
	}
	rec := failureRecord{
		ID:                 id,
		Height:             in.Height,
		DetectedBy:         in.Mismatch.Source,
		OurAppHash:         in.Mismatch.OurAppHash,
		NetworkAppHash:     in.Mismatch.NetworkAppHash,
		Error:              in.Mismatch.Text,
		DetectedAt:         in.Now.UTC().Format(time.RFC3339Nano),
		Versions:           in.Versions,
		StoredActivityHash: in.StoredActivityHash,
		SlogBlocks:         []Block{},
		ActivityHashes:     []activityHash{},
	}
	digest := sha256.New()
	fmt.Fprintf(digest, "%d %s\n", in.Height, in.Mismatch.OurAppHash)
	for _, h := range heights {
		data, ok := slogs[h]
		if !ok {
			continue
		}
		rec.SlogBlocks = append(rec.SlogBlocks, Block{Height: h, Size: int64(len(data))})
		rec.ActivityHashes = append(rec.ActivityHashes, activityHashes(h, data)...)
		fmt.Fprintf(digest, "%d %d\n", h, len(data))
		digest.Write(data)
	}
	rec.EvidenceDigest = hex.EncodeToString(digest.Sum(nil))

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return DumpResult{}, fmt.Errorf("create dump folder: %w", err)
	}
	existing, err := existingDumps(dir, name)
	if err != nil {
		return DumpResult{}, err
	}
	for _, path := range existing {
		old, err := readFailureRecord(path)
		if err != nil {
			continue // unreadable: not evidence we could match; write beside it
		}
		if old.EvidenceDigest == rec.EvidenceDigest || len(rec.SlogBlocks) == 0 {
			return DumpResult{Path: path, ID: id, Kept: true}, nil
		}
	}

	var archive bytes.Buffer
	if err := writeArchive(&archive, name, rec, heights, slogs, in.ConfigDir); err != nil {
		return DumpResult{}, err
	}
	path, err := writeNew(dir, name, len(existing), archive.Bytes())
	if err != nil {
		return DumpResult{}, err
	}
	return DumpResult{Path: path, ID: id}, nil
}

// existingDumps lists earlier dumps of one failure: name.tar.gz, then
// name.2.tar.gz, name.3.tar.gz, ...
func existingDumps(dir, name string) ([]string, error) {
	var paths []string
	for n := 1; ; n++ {
		p := dumpPath(dir, name, n)
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return paths, nil
		} else if err != nil {
			return nil, fmt.Errorf("look for earlier dumps: %w", err)
		}
		paths = append(paths, p)
	}
}

func dumpPath(dir, name string, n int) string {
	if n == 1 {
		return filepath.Join(dir, name+dumpSuffix)
	}
	return filepath.Join(dir, fmt.Sprintf("%s.%d"+dumpSuffix, name, n))
}

// writeNew writes data to the first free dump name, through a temporary
// file and a hard link, which fails rather than replace a file.
func writeNew(dir, name string, taken int, data []byte) (string, error) {
	tmp, err := os.CreateTemp(dir, ".dump-*")
	if err != nil {
		return "", fmt.Errorf("write dump: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write dump: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write dump: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write dump: %w", err)
	}
	for n := taken + 1; n < taken+100; n++ {
		path := dumpPath(dir, name, n)
		if err := os.Link(tmp.Name(), path); err == nil {
			return path, nil
		} else if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("write dump: %w", err)
		}
	}
	return "", fmt.Errorf("write dump: no free name for %s in %s", name, dir)
}

func writeArchive(w io.Writer, name string, rec failureRecord, heights []int64, slogs map[int64][]byte, configDir string) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	now := time.Now()
	add := func(member string, data []byte) error {
		if secretFile(member) {
			return fmt.Errorf("write dump: refusing to include %s", member)
		}
		hdr := &tar.Header{Name: name + "/" + member, Mode: 0o644, Size: int64(len(data)), ModTime: now, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("write dump: %w", err)
		}
		if _, err := tw.Write(data); err != nil {
			return fmt.Errorf("write dump: %w", err)
		}
		return nil
	}
	summary, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("write dump: %w", err)
	}
	if err := add("failure.json", append(summary, '\n')); err != nil {
		return err
	}
	if err := add("README.txt", []byte(readmeText)); err != nil {
		return err
	}
	for _, h := range heights {
		if data, ok := slogs[h]; ok {
			if err := add("slog/"+BlockFileName(h), data); err != nil {
				return err
			}
		}
	}
	if configDir != "" {
		for _, f := range DumpConfigFiles {
			data, err := os.ReadFile(filepath.Join(configDir, f))
			if errors.Is(err, fs.ErrNotExist) {
				continue
			} else if err != nil {
				return fmt.Errorf("write dump: %w", err)
			}
			if err := add("config/"+f, data); err != nil {
				return err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("write dump: %w", err)
	}
	if err := gz.Close(); err != nil {
		return fmt.Errorf("write dump: %w", err)
	}
	return nil
}

// readFailureRecord reads failure.json from a dump.
func readFailureRecord(path string) (failureRecord, error) {
	var rec failureRecord
	found := false
	err := eachTarMember(path, func(member string, r io.Reader) error {
		if filepath.Base(member) != "failure.json" {
			return nil
		}
		found = true
		return json.NewDecoder(r).Decode(&rec)
	})
	if err == nil && !found {
		err = fmt.Errorf("%s: no failure.json", path)
	}
	return rec, err
}

// eachTarMember calls fn with every regular file in a .tar.gz.
func eachTarMember(path string, fn func(member string, r io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		if err := fn(hdr.Name, tr); err != nil {
			return fmt.Errorf("%s: %s: %w", path, hdr.Name, err)
		}
	}
}

// activityHashes picks the activity hash links out of one block's lines.
func activityHashes(h int64, data []byte) []activityHash {
	var out []activityHash
	for line := range bytes.Lines(data) {
		if !bytes.Contains(line, []byte("ctivityHash")) && !bytes.Contains(line, []byte("ctivityhash")) {
			continue
		}
		var e map[string]any
		if json.Unmarshal(line, &e) != nil {
			continue
		}
		hash, _ := e["activityHash"].(string)
		if hash == "" {
			hash, _ = e["activityhash"].(string)
		}
		if hash == "" {
			continue
		}
		typ, _ := e["type"].(string)
		out = append(out, activityHash{Height: h, Type: typ, CrankNum: e["crankNum"], ActivityHash: hash})
	}
	return out
}

// Members lists the files in a dump; tests use it to check what leaves the node.
func Members(path string) ([]string, error) {
	var names []string
	err := eachTarMember(path, func(member string, _ io.Reader) error {
		names = append(names, member)
		return nil
	})
	slices.Sort(names)
	return names, err
}
