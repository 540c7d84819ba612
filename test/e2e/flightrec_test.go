package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
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
	// Names are not enough: no member may hold the node's key material,
	// under any name or encoding the key files use.
	tarStream := dumpBytes(t, dump)
	for _, secret := range keyMaterial(t, ln.home(0)) {
		if bytes.Contains(tarStream, secret.bytes) {
			t.Errorf("dump holds %s", secret.what)
		}
	}

	// Each slog member is the record of its block: entries, and every one
	// that names a block (the cosmic-swingset-* markers, and any entry with
	// a blockHeight) names that one, starting with its begin-block marker.
	blockSlog := map[int64][]map[string]any{}
	for _, h := range []int64{divergeAt - 1, divergeAt} {
		name := fmt.Sprintf("slog/block-%d.jsonl", h)
		blockSlog[h] = slogOfBlock(t, name, members[name], h)
	}
	// Block H-1 ran the same on every node: the dump's record of it is a
	// healthy node's, entry for entry, but for the wall-clock fields.
	healthyPrev, err := os.ReadFile(filepath.Join(ln.home(1), "data", "flight-recorder", fmt.Sprintf("block-%d.jsonl", divergeAt-1)))
	if err != nil {
		t.Fatalf("node1's record of block %d: %v", divergeAt-1, err)
	}
	sameEntries(t, fmt.Sprintf("block %d: dump vs node1", divergeAt-1),
		blockSlog[divergeAt-1], slogOfBlock(t, "node1 block-5", healthyPrev, divergeAt-1))

	var failure struct {
		Height         int64                          `json:"height"`
		OurAppHash     string                         `json:"ourAppHash"`
		NetworkAppHash string                         `json:"networkAppHash"`
		Versions       map[string]string              `json:"versions"`
		ActivityHashes []activityLink                 `json:"activityHashes"`
		SlogBlocks     []struct{ Height, Size int64 } `json:"slogBlocks"`
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
	checkActivityHashes(t, failure.ActivityHashes, blockSlog)
	t.Logf("dump: block %d %d entries, block %d %d entries, %d activity hash links, %d forms of key material looked for",
		divergeAt-1, len(blockSlog[divergeAt-1]), divergeAt, len(blockSlog[divergeAt]), len(failure.ActivityHashes), 2*6)
	for i, b := range failure.SlogBlocks {
		if want := int64(divergeAt - 1 + i); b.Height != want || b.Size != int64(len(members[fmt.Sprintf("slog/block-%d.jsonl", want)])) {
			t.Errorf("failure.json slogBlocks[%d] = %+v, want block %d and its member's size", i, b, want)
		}
	}
	if len(failure.SlogBlocks) != 2 {
		t.Errorf("failure.json slogBlocks = %+v, want blocks %d and %d", failure.SlogBlocks, divergeAt-1, divergeAt)
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
	// keeps the first dump as it was. That is the one right outcome here: the
	// kernel restarts at height 6, equal to cosmos', so it replays nothing,
	// and blocksync refuses block 7 before any block runs; the kernel writes
	// no slog while starting (Init writes none). So the record of blocks 5
	// and 6 is byte for byte what the first dump took, the evidence digest
	// is the same, and a second dump would be a duplicate of one failure,
	// leaving the operator two files to choose from. A ".2" dump here means
	// the record changed without new evidence: the check below on the block
	// files says which. (A kernel that writes slog entries while starting
	// would add them to block 6's file, the last on disk, and get a ".2"
	// dump: if the kernel changes so, decide again here.)
	before := fileDigest(t, dump)
	again := ln.start(t, 0, diverging)
	if code := again.waitExit(t, 60*time.Second); code != 3 {
		t.Fatalf("restarted diverged node exited %d, want 3", code)
	}
	againLog := again.logText()
	if !strings.Contains(againLog, "detected by blocksync") || !strings.Contains(againLog, "CONSENSUS FAILURE at height 6") {
		t.Fatalf("restarted node did not report the failure through blocksync:\n%s", tail(againLog, 3000))
	}
	for h := int64(divergeAt - 1); h <= divergeAt; h++ {
		name := fmt.Sprintf("block-%d.jsonl", h)
		onDisk, err := os.ReadFile(filepath.Join(recDir, name))
		if err != nil {
			t.Fatalf("the restarted node's record of block %d: %v", h, err)
		}
		if !bytes.Equal(onDisk, members["slog/"+name]) {
			t.Errorf("after the restart, %s (%d bytes) is not what the first dump took (%d bytes)", name, len(onDisk), len(members["slog/"+name]))
		}
	}
	if !strings.Contains(againLog, "is kept as it was, in "+dump) {
		t.Fatalf("restarted node did not keep the first dump as it was:\n%s", tail(againLog, 3000))
	}
	if fileDigest(t, dump) != before {
		t.Fatal("the first dump was changed by the restarted node")
	}
	if d := onlyDump(t, recDir); d != dump {
		t.Fatalf("restart left %s, want only %s", d, dump)
	}
}

// activityLink is one failure.json activityHashes element.
type activityLink struct {
	Height       int64  `json:"height"`
	Type         string `json:"type"`
	ActivityHash string `json:"activityHash"`
}

// checkActivityHashes checks failure.json's activity hash chain against the
// dump's own slog: links only for the dumped blocks, in block order, each
// one an entry of its block's slog, and every entry of those slogs that
// carries an activity hash listed.
func checkActivityHashes(t *testing.T, links []activityLink, blockSlog map[int64][]map[string]any) {
	t.Helper()
	type link struct {
		height     int64
		typ, value string
	}
	var want []link
	for h := int64(divergeAt - 1); h <= divergeAt; h++ {
		for _, e := range blockSlog[h] {
			for _, field := range []string{"activityhash", "activityHash"} {
				if v, ok := e[field].(string); ok {
					want = append(want, link{h, e["type"].(string), v})
				}
			}
		}
	}
	var got []link
	seen := map[int64]bool{}
	for _, l := range links {
		got = append(got, link{l.Height, l.Type, l.ActivityHash})
		seen[l.Height] = true
	}
	if !slices.Equal(got, want) {
		t.Errorf("failure.json activityHashes %+v, the dump's slog has %+v", got, want)
	}
	if !seen[divergeAt-1] || !seen[divergeAt] {
		t.Errorf("failure.json activityHashes cover heights %v, want %d and %d", seen, divergeAt-1, divergeAt)
	}
}

// slogOfBlock parses one block's slog file (JSONL) and checks that it is
// block h's: not empty, each line one JSON object with a type, the first
// the begin-block marker of h, and every entry that names a block height
// naming h. Only the cosmic-swingset-* markers and the blockHeight field
// are relied on, not the kernel's other entry types.
func slogOfBlock(t *testing.T, name string, data []byte, h int64) []map[string]any {
	t.Helper()
	var entries []map[string]any
	for i, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		if len(line) == 0 {
			t.Fatalf("%s: line %d is empty", name, i+1)
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		var e map[string]any
		if err := dec.Decode(&e); err != nil || dec.More() {
			t.Fatalf("%s: line %d is not one JSON object (%v): %.200s", name, i+1, err, line)
		}
		typ, _ := e["type"].(string)
		if typ == "" {
			t.Fatalf("%s: line %d has no type: %.200s", name, i+1, line)
		}
		if i == 0 && typ != "cosmic-swingset-begin-block" {
			t.Errorf("%s: starts with %q, want block %d's cosmic-swingset-begin-block", name, typ, h)
		}
		if bh, ok := e["blockHeight"]; ok {
			if n, ok := bh.(json.Number); !ok || n.String() != strconv.FormatInt(h, 10) {
				t.Errorf("%s: line %d (%s) names block %v, want %d", name, i+1, typ, bh, h)
			}
		} else if strings.HasPrefix(typ, "cosmic-swingset-") {
			t.Errorf("%s: line %d is a %s marker without a blockHeight", name, i+1, typ)
		}
		entries = append(entries, e)
	}
	if len(data) == 0 || len(entries) < 2 {
		t.Fatalf("%s: %d entries; a block's record holds at least its markers", name, len(entries))
	}
	return entries
}

// sameEntries compares two records of one block entry by entry, leaving
// out the wall-clock fields, which differ between nodes.
func sameEntries(t *testing.T, what string, a, b []map[string]any) {
	t.Helper()
	strip := func(e map[string]any) map[string]any {
		c := maps.Clone(e)
		delete(c, "time")
		delete(c, "monotime")
		return c
	}
	for i := range min(len(a), len(b)) {
		if !reflect.DeepEqual(strip(a[i]), strip(b[i])) {
			t.Fatalf("%s: entry %d differs:\n%v\n%v", what, i, a[i], b[i])
		}
	}
	if len(a) != len(b) {
		t.Fatalf("%s: %d entries vs %d", what, len(a), len(b))
	}
}

// secret is one form of a key the dump must not hold.
type secret struct {
	what  string
	bytes []byte
}

// keyMaterial reads the node's private keys from priv_validator_key.json
// and node_key.json and returns every form they could leak in: the base64
// text the files hold, the raw key, its 32-byte seed, and their hex.
func keyMaterial(t *testing.T, home string) []secret {
	t.Helper()
	var out []secret
	for _, file := range []string{"priv_validator_key.json", "node_key.json"} {
		raw, err := os.ReadFile(filepath.Join(home, "config", file))
		if err != nil {
			t.Fatal(err)
		}
		var k struct {
			PrivKey struct {
				Value string `json:"value"`
			} `json:"priv_key"`
		}
		if err := json.Unmarshal(raw, &k); err != nil || k.PrivKey.Value == "" {
			t.Fatalf("%s: no priv_key.value (%v)", file, err)
		}
		key, err := base64.StdEncoding.DecodeString(k.PrivKey.Value)
		if err != nil || len(key) < 32 {
			t.Fatalf("%s: priv_key.value is not a base64 key: %v", file, err)
		}
		seed := key[:32]
		out = append(out,
			secret{file + "'s private key (base64)", []byte(k.PrivKey.Value)},
			secret{file + "'s private key seed (base64)", []byte(base64.StdEncoding.EncodeToString(seed))[:40]},
			secret{file + "'s private key (raw)", key},
			secret{file + "'s private key seed (raw)", seed},
			secret{file + "'s private key (hex)", []byte(hex.EncodeToString(seed))},
			secret{file + "'s private key (HEX)", []byte(strings.ToUpper(hex.EncodeToString(seed)))},
		)
	}
	return out
}

// dumpBytes is the dump's tar stream, uncompressed: every member's bytes
// and every header.
func dumpBytes(t *testing.T, path string) []byte {
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
	data, err := io.ReadAll(gz)
	if err != nil {
		t.Fatal(err)
	}
	return data
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
	top := strings.TrimSuffix(filepath.Base(path), ".tar.gz")
	top = regexp.MustCompile(`\.\d+$`).ReplaceAllString(top, "")
	members := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(dumpBytes(t, path)))
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
