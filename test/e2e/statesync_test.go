package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestStateSyncCarriesTheKernel: a validator taking a snapshot every 10
// blocks runs a counter contract; a second node joins by state sync from a
// snapshot at height 20 or later, reaches the tip, agrees on the AppHash of
// every block it runs for 20 more blocks of traffic, and the counter goes on
// from where it was (its heap came with the snapshot), not from 1.
func TestStateSyncCarriesTheKernel(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real chain")
	}
	ln := newLocalnet(t, 1, "--full-nodes", "1")
	editAppToml(t, ln.home(0), "snapshot-interval = 0", "snapshot-interval = 10")
	validator := ln.start(t, 0, "--split", "--kernel-init-timeout", "5m")
	ln.waitHeight(t, 0, 2, 120*time.Second, validator)

	vat := installTipjar(t, ln)
	count := 0
	increment := func() includedTx {
		t.Helper()
		tx := sendTx(t, ln, "swingset", "deliver", vat, "increment", "[]")
		count++
		if o := waitOutcome(t, ln, "deliver", tx.ActionID); string(o.Result) != strconv.Itoa(count) {
			t.Fatalf("increment #%d: %+v", count, o)
		}
		return tx
	}
	// Deliveries in 20 or more blocks, until a snapshot at 20 or later is
	// complete (kernel part included).
	first := increment()
	snapshotRE := regexp.MustCompile(`completed state snapshot.*height=(\d+)`)
	var snapshotHeight int64
	for last := first; ; {
		if last.Height-first.Height >= 20 {
			for _, m := range snapshotRE.FindAllStringSubmatch(validator.logText(), -1) {
				if h, _ := strconv.ParseInt(m[1], 10, 64); h >= 20 && h > snapshotHeight {
					snapshotHeight = h
				}
			}
			if snapshotHeight > 0 {
				break
			}
		}
		if last.Height-first.Height > 200 {
			t.Fatalf("no snapshot at height 20 or later by height %d:\n%s", last.Height, tail(validator.logText(), 3000))
		}
		last = increment()
	}
	if !strings.Contains(validator.logText(), "kernel state added to the snapshot") {
		t.Fatalf("the snapshot at %d has no kernel part:\n%s", snapshotHeight, tail(validator.logText(), 3000))
	}
	before := count
	t.Logf("snapshot at height %d; the counter stands at %d", snapshotHeight, before)

	// The second node trusts the validator's header at the snapshot height.
	trustHash := blockHashAt(t, ln, 0, snapshotHeight)
	rpc := strings.TrimPrefix(ln.rpcURL(0), "http://")
	editConfigToml(t, ln.home(1), map[string]string{
		"enable = false":         "enable = true",
		`rpc_servers = ""`:       fmt.Sprintf("rpc_servers = %q", rpc+","+rpc),
		"trust_height = 0":       fmt.Sprintf("trust_height = %d", snapshotHeight),
		`trust_hash = ""`:        fmt.Sprintf("trust_hash = %q", trustHash),
		`discovery_time = "15s"`: `discovery_time = "5s"`,
	})
	joined := time.Now()
	joiner := ln.start(t, 1, "--split", "--kernel-init-timeout", "5m")
	tip, err := ln.height(0)
	if err != nil {
		t.Fatal(err)
	}
	ln.waitHeight(t, 1, tip, 600*time.Second, joiner)
	t.Logf("node1 reached the tip %d by state sync %s after its start", tip, time.Since(joined).Round(time.Millisecond))
	if !strings.Contains(joiner.logText(), "kernel state imported from the snapshot") {
		t.Fatalf("node1 imported no kernel state:\n%s", tail(joiner.logText(), 3000))
	}
	// It may have restored a later snapshot than the one it trusts.
	m := regexp.MustCompile(`restored: kernelHeight (\d+)`).FindStringSubmatch(joiner.logText())
	if m == nil {
		t.Fatalf("node1's kernel did not report its restore:\n%s", tail(joiner.logText(), 3000))
	}
	restored, _ := strconv.ParseInt(m[1], 10, 64)
	if restored < 20 {
		t.Fatalf("node1 restored height %d, want a snapshot at 20 or later", restored)
	}
	t.Logf("node1 restored the snapshot of height %d", restored)

	// 20 more blocks of traffic; the counter continues on the joined node.
	tx := increment()
	if count != before+1 {
		t.Fatalf("count %d", count)
	}
	// On a loaded machine the joined node may trail the validator: wait for
	// it to run the delivery's block.
	ln.waitHeight(t, 1, tx.Height+1, 600*time.Second, joiner)
	if got := outcomeAt(t, ln, 1, tx.ActionID); string(got.Result) != strconv.Itoa(before+1) {
		t.Fatalf("node1 holds outcome %+v for the delivery after the join, want result %d: the heap did not come along", got, before+1)
	}
	for h := tip + 20; ; {
		last := increment()
		if last.Height >= h {
			break
		}
	}
	end, err := ln.height(0)
	if err != nil {
		t.Fatal(err)
	}
	ln.waitHeight(t, 1, end, 600*time.Second, joiner)
	firstRun := restored + 2 // the first block node1 ran is R+1; its AppHash is in block R+2
	for h := firstRun; h <= end; h++ {
		a, b := appHashAt(t, ln, 0, h), appHashAt(t, ln, 1, h)
		if a != b {
			t.Fatalf("block %d: AppHash %s on the validator, %s on the state-synced node", h, a, b)
		}
	}
	t.Logf("same AppHash at every height %d..%d on both nodes; counter %d", firstRun, end, count)

	// Every snapshot height's exporter was started a block ahead: none had
	// to be started at its height (the validator ran from genesis), and the
	// commit's wait for each read transaction is logged.
	if strings.Contains(validator.logText(), "could not be started ahead") {
		t.Fatalf("an exporter could not be started a block ahead:\n%s", tail(validator.logText(), 3000))
	}
	waits := regexp.MustCompile(`kernel state export started.*?height=(\d+).*?ready_after=(\S+)`).FindAllStringSubmatch(validator.logText(), -1)
	if len(waits) == 0 {
		t.Fatalf("the validator logged no kernel state export:\n%s", tail(validator.logText(), 3000))
	}
	for _, w := range waits {
		t.Logf("snapshot height %s: the commit waited %s for the exporter's read transaction", w[1], w[2])
	}
}

// editConfigToml replaces lines of a home's config.toml, each once, failing
// if one is not there.
func editConfigToml(t *testing.T, home string, edits map[string]string) {
	t.Helper()
	path := filepath.Join(home, "config", "config.toml")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	// [statesync] comes after every other "enable = false" we must not touch.
	at := strings.Index(text, "[statesync]")
	if at < 0 {
		t.Fatalf("%s has no [statesync] section", path)
	}
	head, section := text[:at], text[at:]
	for old, replacement := range edits {
		if !strings.Contains(section, old) {
			t.Fatalf("%s's [statesync] has no line %q", path, old)
		}
		section = strings.Replace(section, old, replacement, 1)
	}
	if err := os.WriteFile(path, []byte(head+section), 0o644); err != nil {
		t.Fatal(err)
	}
}

// rpcBlock reads block h from node i's CometBFT RPC.
func rpcBlock(t *testing.T, ln *localnet, i int, h int64) (blockHash, appHash string) {
	t.Helper()
	var resp struct {
		Result struct {
			BlockID struct {
				Hash string `json:"hash"`
			} `json:"block_id"`
			Block struct {
				Header struct {
					AppHash string `json:"app_hash"`
				} `json:"header"`
			} `json:"block"`
		} `json:"result"`
	}
	client := http.Client{Timeout: 10 * time.Second}
	r, err := client.Get(fmt.Sprintf("%s/block?height=%d", ln.rpcURL(i), h))
	if err != nil {
		t.Fatalf("node%d block %d: %v", i, h, err)
	}
	defer r.Body.Close()
	if err := json.NewDecoder(r.Body).Decode(&resp); err != nil {
		t.Fatalf("node%d block %d: %v", i, h, err)
	}
	if resp.Result.BlockID.Hash == "" {
		t.Fatalf("node%d has no block %d", i, h)
	}
	return resp.Result.BlockID.Hash, resp.Result.Block.Header.AppHash
}

func blockHashAt(t *testing.T, ln *localnet, i int, h int64) string {
	hash, _ := rpcBlock(t, ln, i, h)
	return hash
}

func appHashAt(t *testing.T, ln *localnet, i int, h int64) string {
	_, app := rpcBlock(t, ln, i, h)
	return app
}

// outcomeAt reads a delivery's published outcome from node i.
func outcomeAt(t *testing.T, ln *localnet, i int, id string) outcome {
	t.Helper()
	path := "published.swingset.deliver." + id
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		out, err := agd(t, "query", "vstorage", "data", path, "--node", fmt.Sprintf("tcp://127.0.0.1:%d", ln.basePort+10*i+1), "--output", "json")
		if err == nil {
			var res struct {
				Value string `json:"value"`
				Has   bool   `json:"has"`
			}
			if json.Unmarshal([]byte(out), &res) == nil && res.Has {
				var o outcome
				if err := json.Unmarshal([]byte(res.Value), &o); err != nil {
					t.Fatalf("decode outcome %q: %v", res.Value, err)
				}
				return o
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("node%d never published %s", i, path)
	return outcome{}
}

// TestSnapshotCommandsCarryTheKernel: the SDK's offline commands move the
// kernel's state too. A stopped validator's `agd snapshots export`, `dump`,
// then `load` and `restore` into a fresh home, plus `agd comet
// bootstrap-state`, give a node that starts at the snapshot's height with
// the same kernel: it follows the chain and the counter goes on.
func TestSnapshotCommandsCarryTheKernel(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real chain")
	}
	ln := newLocalnet(t, 1, "--full-nodes", "1")
	validator := ln.start(t, 0, "--split", "--kernel-init-timeout", "5m")
	ln.waitHeight(t, 0, 2, 120*time.Second, validator)
	vat := installTipjar(t, ln)
	for want := 1; want <= 3; want++ {
		tx := sendTx(t, ln, "swingset", "deliver", vat, "increment", "[]")
		if o := waitOutcome(t, ln, "deliver", tx.ActionID); string(o.Result) != strconv.Itoa(want) {
			t.Fatalf("increment #%d: %+v", want, o)
		}
	}
	stopNode(t, validator)
	h := appHeight(t, ln.home(0))
	if cosmos, kernel := shutdownHeights(t, validator.logText()); cosmos != h || kernel != h {
		t.Fatalf("stopped at kernel %d, cosmos %d, application.db at %d: a SIGTERM must leave all three level", kernel, cosmos, h)
	}

	mustAgd(t, "snapshots", "export", "--home", ln.home(0))
	if out := mustAgd(t, "snapshots", "list", "--home", ln.home(0)); !strings.Contains(out, fmt.Sprintf("height: %d ", h)) {
		t.Fatalf("snapshots list has no height %d:\n%s", h, out)
	}
	archive := filepath.Join(t.TempDir(), "snapshot.tar.gz")
	mustAgd(t, "snapshots", "dump", strconv.FormatInt(h, 10), "3", "--home", ln.home(0), "--output", archive)
	mustAgd(t, "snapshots", "load", archive, "--home", ln.home(1))
	out := mustAgd(t, "snapshots", "restore", strconv.FormatInt(h, 10), "3", "--home", ln.home(1))
	if !strings.Contains(out, "kernel state restored") {
		t.Fatalf("restore did not restore the kernel:\n%s", out)
	}

	validator = ln.start(t, 0, "--split", "--kernel-init-timeout", "5m")
	ln.waitHeight(t, 0, h+2, 120*time.Second, validator)
	rpc := strings.TrimPrefix(ln.rpcURL(0), "http://")
	editConfigToml(t, ln.home(1), map[string]string{
		`rpc_servers = ""`: fmt.Sprintf("rpc_servers = %q", rpc+","+rpc),
		"trust_height = 0": fmt.Sprintf("trust_height = %d", h),
		`trust_hash = ""`:  fmt.Sprintf("trust_hash = %q", blockHashAt(t, ln, 0, h)),
	})
	mustAgd(t, "comet", "bootstrap-state", "--home", ln.home(1), "--height", strconv.FormatInt(h, 10))
	joiner := ln.start(t, 1, "--split", "--kernel-init-timeout", "5m")
	tip, err := ln.height(0)
	if err != nil {
		t.Fatal(err)
	}
	ln.waitHeight(t, 1, tip, 600*time.Second, joiner)
	if want := fmt.Sprintf("kernel_height=%d", h); !strings.Contains(joiner.logText(), want) {
		t.Fatalf("node1's handshake did not find the kernel at %d:\n%s", h, tail(joiner.logText(), 3000))
	}
	tx := sendTx(t, ln, "swingset", "deliver", vat, "increment", "[]")
	ln.waitHeight(t, 1, tx.Height+1, 600*time.Second, joiner)
	if o := outcomeAt(t, ln, 1, tx.ActionID); string(o.Result) != "4" {
		t.Fatalf("node1 holds outcome %+v, want 4: the counter did not come along", o)
	}
}

// TestStateSyncFigures measures, for the closing note (run it with
// AGD_E2E_FIGURES=1): a snapshot's kernel part and its export time for a
// kernel with 8 contracts besides the built-in vats, and the time from an
// empty home to following the chain, by state sync and by replay from
// genesis, on the same chain.
func TestStateSyncFigures(t *testing.T) {
	if os.Getenv("AGD_E2E_FIGURES") == "" {
		t.Skip("set AGD_E2E_FIGURES=1 to measure")
	}
	const contracts = 8
	ln := newLocalnet(t, 1, "--full-nodes", "2")
	editAppToml(t, ln.home(0), "snapshot-interval = 0", "snapshot-interval = 50")
	validator := ln.start(t, 0, "--split", "--kernel-init-timeout", "5m")
	ln.waitHeight(t, 0, 2, 120*time.Second, validator)
	var vats []string
	for i := 0; i < contracts; i++ {
		vat := installTipjar(t, ln)
		tx := sendTx(t, ln, "swingset", "deliver", vat, "increment", "[]")
		waitOutcome(t, ln, "deliver", tx.ActionID)
		vats = append(vats, vat)
	}
	t.Logf("contracts %v, plus the built-in vats (bootstrap, vat-admin, bank, faucet)", vats)
	// The next snapshot after the installs.
	added := regexp.MustCompile(`kernel state added to the snapshot.*`)
	seen := len(added.FindAllString(validator.logText(), -1))
	deadline := time.Now().Add(300 * time.Second)
	for len(added.FindAllString(validator.logText(), -1)) <= seen {
		if time.Now().After(deadline) {
			t.Fatal("no snapshot after the installs")
		}
		time.Sleep(time.Second)
	}
	lines := added.FindAllString(validator.logText(), -1)
	t.Logf("FIGURE snapshot: %s", lines[len(lines)-1])
	for _, l := range regexp.MustCompile(`kernel state export started.*`).FindAllString(validator.logText(), -1) {
		t.Logf("FIGURE commit waited for the exporter: %s", l)
	}

	configureStateSync := func(i int) {
		h, err := ln.height(0)
		if err != nil {
			t.Fatal(err)
		}
		rpc := strings.TrimPrefix(ln.rpcURL(0), "http://")
		editConfigToml(t, ln.home(i), map[string]string{
			"enable = false":         "enable = true",
			`rpc_servers = ""`:       fmt.Sprintf("rpc_servers = %q", rpc+","+rpc),
			"trust_height = 0":       fmt.Sprintf("trust_height = %d", h),
			`trust_hash = ""`:        fmt.Sprintf("trust_hash = %q", blockHashAt(t, ln, 0, h)),
			`discovery_time = "15s"`: `discovery_time = "5s"`,
		})
	}
	follow := func(i int, how string) {
		t0 := time.Now()
		n := ln.start(t, i, "--split", "--kernel-init-timeout", "5m")
		tip, err := ln.height(0)
		if err != nil {
			t.Fatal(err)
		}
		ln.waitHeight(t, i, tip, 900*time.Second, n)
		t.Logf("FIGURE %s: node%d from an empty home to the validator's height %d (at its start) in %s",
			how, i, tip, time.Since(t0).Round(100*time.Millisecond))
		stopNode(t, n)
	}
	configureStateSync(1)
	follow(1, "state sync")
	follow(2, "replay from genesis")
}
