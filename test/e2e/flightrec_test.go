package e2e

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The flight recorder's acceptance test: four validators on 127.0.0.1, one
// of whose kernels is made to diverge at a chosen height by a wrapper that
// sets AGVM_TEST_FAULTS. With equal power the other three (3/4 > 2/3) carry
// the chain on.

const divergeAt = 6

var dumpName = regexp.MustCompile(`^consensus-failure-6-[0-9a-f]{8}\.tar\.gz$`)

func TestFlightRecorderDumpsOnAppHashMismatch(t *testing.T) {
	ln := newLocalnet(t, 4)
	// node1 keeps far more than the default two blocks, so its record still
	// holds the failing height when the dump is compared with it.
	editAppToml(t, ln.home(1), "keep-blocks = 2", "keep-blocks = 1000")

	root := repoRoot(t)
	diverging := "--split=/bin/sh " + filepath.Join(root, "test", "e2e", "testdata", "diverging-kernel.sh") +
		" 6 " + nodeBinary(t) + " " + filepath.Join(root, "agvm", "src", "main.js")
	bad := ln.start(t, 0, diverging)
	var healthy []*runningNode
	for i := 1; i < 4; i++ {
		healthy = append(healthy, ln.start(t, i, "--split"))
	}

	// 1. The diverged validator writes the dump and exits non-zero.
	if code := bad.waitExit(t, 90*time.Second); code != 3 {
		t.Fatalf("diverged node exited %d, want 3 (consensus failure)", code)
	}
	recDir := filepath.Join(ln.home(0), "data", "flight-recorder")
	dump := onlyDump(t, recDir)
	id := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(dump), "consensus-failure-"), ".tar.gz")
	logText := bad.logText()
	for _, want := range []string{"CONSENSUS FAILURE at height 6", dump, "upload that file", "search for \"" + id + "\"", "detected by consensus"} {
		if !strings.Contains(logText, want) {
			t.Errorf("diverged node's log lacks %q", want)
		}
	}
	members := dumpMembers(t, dump)
	for _, want := range []string{"failure.json", "slog/block-5.jsonl", "slog/block-6.jsonl", "config/config.toml",
		"config/app.toml", "config/client.toml", "config/genesis.json"} {
		if _, ok := members[want]; !ok {
			t.Errorf("dump lacks %s; holds %v", want, keys(members))
		}
	}
	for name := range members {
		if strings.Contains(name, "priv_validator") || strings.Contains(name, "node_key") || strings.Contains(name, "keyring") {
			t.Errorf("dump holds a secret: %s", name)
		}
	}
	var failure struct {
		Height         int64             `json:"height"`
		OurAppHash     string            `json:"ourAppHash"`
		NetworkAppHash string            `json:"networkAppHash"`
		Versions       map[string]string `json:"versions"`
		ActivityHashes []json.RawMessage `json:"activityHashes"`
	}
	if err := json.Unmarshal(members["failure.json"], &failure); err != nil {
		t.Fatalf("failure.json: %v", err)
	}
	if failure.Height != divergeAt || !strings.HasPrefix(failure.OurAppHash, id[len("6-"):]) ||
		failure.NetworkAppHash == "" || failure.NetworkAppHash == failure.OurAppHash {
		t.Errorf("failure.json: %+v (dump id %s)", failure, id)
	}
	for _, v := range []string{"agd", "node", "agvm"} {
		if failure.Versions[v] == "" {
			t.Errorf("failure.json names no %s version: %v", v, failure.Versions)
		}
	}
	if len(failure.ActivityHashes) == 0 {
		t.Error("failure.json holds no activity hashes")
	}

	// 2. The other three keep producing blocks.
	for i := 1; i < 4; i++ {
		ln.waitHeight(t, i, divergeAt+6, 60*time.Second, healthy[i-1])
	}

	// 3. diff between the dump and a healthy node's record points at the
	// crank that diverged: the block crank of block 6, whose extra change
	// gives it another crankhash.
	out, err := agd(t, "flightrec", "diff", dump, filepath.Join(ln.home(1), "data", "flight-recorder"))
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("flightrec diff: %v, want exit 1 (the records differ)\n%s", err, out)
	}
	firstLine := regexp.MustCompile(`first divergence: block 6, entry \d+, crank (\d+), vat -, delivery -`).FindStringSubmatch(out)
	if firstLine == nil || !strings.Contains(out, `"type": "crank-finish"`) || !strings.Contains(out, `"crankType": "block"`) ||
		!regexp.MustCompile(`≠ +"crankhash"`).MatchString(out) {
		t.Fatalf("flightrec diff does not point at block 6's block crank:\n%s", out)
	}
	if !strings.Contains(out, `"crankNum": `+firstLine[1]) {
		t.Fatalf("the divergent entries are not crank %s's:\n%s", firstLine[1], out)
	}
	t.Logf("agd flightrec diff %s <node1's record>:\n%s", filepath.Base(dump), out)
	catOut := mustAgd(t, "flightrec", "cat", dump)
	if n := strings.Count(catOut, "\n"); n < 10 || !strings.Contains(catOut, `"cosmic-swingset-commit-block-finish"`) {
		t.Fatalf("flightrec cat printed %d lines:\n%s", n, tail(catOut, 2000))
	}

	// 4. Restarted, the node finds the failure again through blocksync and
	// keeps the first dump rather than replacing it.
	before := fileDigest(t, dump)
	again := ln.start(t, 0, diverging)
	if code := again.waitExit(t, 60*time.Second); code != 3 {
		t.Fatalf("restarted diverged node exited %d, want 3", code)
	}
	againLog := again.logText()
	if !strings.Contains(againLog, "detected by blocksync") || !strings.Contains(againLog, "CONSENSUS FAILURE at height 6") {
		t.Fatalf("restarted node did not report the failure through blocksync:\n%s", tail(againLog, 3000))
	}
	for _, line := range strings.Split(againLog, "\n") {
		if strings.Contains(line, "CONSENSUS FAILURE at height") {
			t.Logf("restarted node: %s", line)
		}
	}
	if fileDigest(t, dump) != before {
		t.Fatal("the first dump was changed by the restarted node")
	}
	if strings.Contains(againLog, "kept as it was") {
		if d := onlyDump(t, recDir); d != dump {
			t.Fatalf("restart wrote %s beside %s although it kept the first", d, dump)
		}
	} else {
		// New evidence (entries the kernel wrote while starting) goes beside.
		beside := strings.TrimSuffix(dump, ".tar.gz") + ".2.tar.gz"
		if _, ok := dumpMembers(t, beside)["slog/block-6.jsonl"]; !ok {
			t.Fatalf("the second dump %s holds no slog of block 6", beside)
		}
	}
}

// onlyDump returns the one consensus-failure dump in dir.
func onlyDump(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var dumps []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "consensus-failure-") {
			dumps = append(dumps, e.Name())
		}
	}
	if len(dumps) != 1 || !dumpName.MatchString(dumps[0]) {
		t.Fatalf("dumps in %s: %v, want one consensus-failure-6-<8 hex>.tar.gz", dir, dumps)
	}
	return filepath.Join(dir, dumps[0])
}

// dumpMembers reads a dump's files, keyed by their path below its top folder.
func dumpMembers(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	top := strings.TrimSuffix(filepath.Base(path), ".tar.gz")
	top = regexp.MustCompile(`\.\d+$`).ReplaceAllString(top, "")
	members := map[string][]byte{}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return members
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		name, ok := strings.CutPrefix(hdr.Name, top+"/")
		if !ok {
			t.Fatalf("%s: member %s is outside %s/", path, hdr.Name, top)
		}
		members[name] = data
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func fileDigest(t *testing.T, path string) [32]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(data)
}
