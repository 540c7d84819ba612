package kernelwork

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"strconv"
	"testing"
)

// runFinish is the kernel's own per-block summary (agvm/src/host.js).
type runFinish struct {
	Type        string `json:"type"`
	BlockHeight int64  `json:"blockHeight"`
	Cranks      int64  `json:"cranks"`
	Computrons  string `json:"computrons"`
}

// readSlog returns the lines of a slog file.
func readSlog(t *testing.T, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	return lines
}

// TestTallyOfARealSlog feeds the slog a loadgen run's node0 wrote (blocks
// 42-44, starting mid-block 41; deliver-result timestamps and one bundle
// shortened): block 41 is not reported (its beginning was not seen), the
// crank count of each block equals the kernel's own run-finish figure, and
// the computrons are the sum of the deliveries' metered compute: equal to
// the budget's figure for blocks 42 and 44, and far above it for block 43,
// which created the contract's vat (startVat metered 12.2M computrons; the
// budget charges a flat 300000).
func TestTallyOfARealSlog(t *testing.T) {
	var tally Tally
	var got []Block
	want := map[int64]runFinish{}
	for _, line := range readSlog(t, "testdata/blocks-42-44.slog.jsonl") {
		if b, ok := tally.Observe(line); ok {
			got = append(got, b)
		}
		var rf runFinish
		if json.Unmarshal(line, &rf) == nil && rf.Type == "cosmic-swingset-run-finish" {
			want[rf.BlockHeight] = rf
		}
	}
	if len(got) != 3 || got[0].Height != 42 || got[2].Height != 44 {
		t.Fatalf("blocks %+v, want 42, 43 and 44", got)
	}
	computrons := map[int64]uint64{42: 166457, 43: 12426017, 44: 299218}
	for _, b := range got {
		if b.Cranks != want[b.Height].Cranks {
			t.Errorf("block %d: %d cranks, the kernel's run-finish says %d", b.Height, b.Cranks, want[b.Height].Cranks)
		}
		if b.Computrons != computrons[b.Height] {
			t.Errorf("block %d: %d computrons, want %d (run-finish: %s)", b.Height, b.Computrons, computrons[b.Height], want[b.Height].Computrons)
		}
		if b.Deliveries == 0 {
			t.Errorf("block %d: no deliveries counted", b.Height)
		}
	}
	if budget, _ := strconv.ParseUint(want[42].Computrons, 10, 64); got[0].Computrons != budget {
		t.Errorf("block 42 (no vat created): %d computrons, the budget counted %d", got[0].Computrons, budget)
	}
}

// A replayed delivery (a vat brought back online re-runs its transcript),
// the host's block crank and entries outside any block count for nothing;
// an entry whose data merely mentions a type is not that entry.
func TestTallySkipsWhatIsNotTheBlocksWork(t *testing.T) {
	var tally Tally
	feed := func(s string) (Block, bool) { return tally.Observe([]byte(s)) }
	feed(`{"type":"deliver-result","vatID":"v1","replay":false,"dr":["ok",null,{"compute":999}]}`) // before any block
	feed(`{"type":"crank-finish","crankType":"delivery","crankNum":1}`)
	feed(`{"type":"cosmic-swingset-begin-block","blockHeight":7,"blockTime":1,"time":1,"monotime":1}`)
	feed(`{"type":"crank-finish","crankType":"block","crankNum":2}`)
	feed(`{"type":"deliver-result","vatID":"v5","replay":true,"dr":["ok",null,{"compute":5000}]}`)
	feed(`{"type":"syscall","vatID":"v5","ksc":["vatstoreSet","k","\"type\":\"crank-finish\""]}`)
	feed(`{"type":"deliver-result","vatID":"v5","replay":false,"dr":["ok",null,{"compute":70}]}`)
	feed(`{"type":"deliver-result","vatID":"v6","replay":false,"dr":["ok",null,null]}`) // unmetered
	feed(`{"type":"deliver-result","vatID":"v5","replay": true,"dr":["ok",null,{"compute":4000}]}`)
	feed(`{"type":"deliver-result","vatID":"v5","replay":false,"dr":["ok","a \"compute\":9 text",{"compute": 30}]}`) // decoded
	feed(`{"time":5,"type":"crank-finish","crankType":"routing","crankNum":3}`)                                      // type not first: decoded
	feed(`{"type":"crank-finish","crankType":"delivery","crankNum":4}`)
	b, ok := feed(`{"type":"cosmic-swingset-commit-block-finish","blockHeight":7,"time":2,"monotime":2}`)
	if !ok || b != (Block{Height: 7, Cranks: 2, Computrons: 100, Deliveries: 2}) {
		t.Fatalf("block %+v (%v), want height 7, 2 cranks, 100 computrons, 2 deliveries", b, ok)
	}
	// A commit that does not close the block begun is no block.
	feed(`{"type":"cosmic-swingset-begin-block","blockHeight":8}`)
	if b, ok := feed(`{"type":"cosmic-swingset-commit-block-finish","blockHeight":9}`); ok {
		t.Fatalf("commit of 9 closed block 8: %+v", b)
	}
}

func TestEntryType(t *testing.T) {
	for entry, want := range map[string]string{
		`{"type":"deliver-result","vatID":"v1"}`:       "deliver-result",
		` {"time":1, "type" : "crank-finish"}`:         "crank-finish",
		`{"type":"a\"b","x":1}`:                        `a"b`,
		`{"vatID":"v1","ksc":{"type":"crank-finish"}}`: "",
		`not json`: "",
	} {
		if got := EntryType([]byte(entry)); got != want {
			t.Errorf("EntryType(%s) = %q, want %q", entry, got, want)
		}
	}
}
