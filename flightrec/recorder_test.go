package flightrec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// batch builds a slog.Write params object the way the kernel does.
func batch(entries ...string) []byte {
	return []byte(`{"entries":[` + strings.Join(entries, ",") + `]}`)
}

func markerEntry(typ string, h int64) string {
	return fmt.Sprintf(`{"type":%q,"blockHeight":%d,"blockTime":1700000000,"time":1.5,"monotime":2.5}`, typ, h)
}

func crank(n int, extra string) string {
	return fmt.Sprintf(`{"type":"crank-start","crankNum":%d,"vatID":"v1","deliveryNum":%d,"note":"a \"quoted\" ] } text\\"%s,"time":%d.25,"monotime":0.5}`, n, n*10, extra, n)
}

// block writes one block's worth of entries, split over two batches so that
// a batch boundary falls inside the block.
func block(t *testing.T, r *Recorder, h int64, cranks ...string) {
	t.Helper()
	first := []string{markerEntry(TypeBeginBlock, h), markerEntry(TypeEndBlockStart, h)}
	second := append(slices.Clone(cranks), markerEntry(TypeEndBlockEnd, h), markerEntry(TypeCommitStart, h), markerEntry(TypeCommitEnd, h))
	for _, b := range [][]byte{batch(first...), batch(second...)} {
		if err := r.Write(b); err != nil {
			t.Fatal(err)
		}
	}
}

func heightsIn(t *testing.T, dir string) []int64 {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var hs []int64
	for _, e := range entries {
		if h, ok := parseBlockFileName(e.Name()); ok {
			hs = append(hs, h)
		}
	}
	slices.Sort(hs)
	return hs
}

func TestRecorderAttributesAndRetains(t *testing.T) {
	dir := t.TempDir()
	r, err := Open(Config{Dir: dir, Policy: Policy{KeepBlocks: 2}})
	if err != nil {
		t.Fatal(err)
	}
	for h := int64(1); h <= 4; h++ {
		block(t, r, h, crank(int(h), ""))
	}
	if got := heightsIn(t, dir); !slices.Equal(got, []int64{3, 4}) {
		t.Fatalf("files for blocks %v, want [3 4]", got)
	}
	recs, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 12 {
		t.Fatalf("%d records, want 12", len(recs))
	}
	for _, rec := range recs {
		var e struct {
			BlockHeight *int64 `json:"blockHeight"`
			CrankNum    *int64 `json:"crankNum"`
		}
		if err := json.Unmarshal(rec.Entry, &e); err != nil {
			t.Fatalf("entry %s: %v", rec.Entry, err)
		}
		if e.BlockHeight != nil && *e.BlockHeight != rec.Height || e.CrankNum != nil && *e.CrankNum != rec.Height {
			t.Fatalf("entry %s attributed to block %d", rec.Entry, rec.Height)
		}
	}
	if r.Entries() != 4*6 {
		t.Fatalf("counted %d entries, want 24", r.Entries())
	}
}

// TestRecorderSurvivesRestart: a restarted node takes over the files, keeps
// attributing to its last block, and releases them by the same rule.
func TestRecorderSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	r, err := Open(Config{Dir: dir, Policy: Policy{KeepBlocks: 2}})
	if err != nil {
		t.Fatal(err)
	}
	block(t, r, 7, crank(1, ""))
	block(t, r, 8, crank(2, ""))
	r.Close()

	r2, err := Open(Config{Dir: dir, Policy: Policy{KeepBlocks: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if r2.Current() != 8 {
		t.Fatalf("current block %d after restart, want 8", r2.Current())
	}
	if err := r2.Write(batch(`{"type":"kernel-restarted"}`)); err != nil {
		t.Fatal(err)
	}
	if got := heightsIn(t, dir); !slices.Equal(got, []int64{7, 8}) {
		t.Fatalf("files %v after restart, want [7 8]", got)
	}
	block(t, r2, 9)
	if got := heightsIn(t, dir); !slices.Equal(got, []int64{8, 9}) {
		t.Fatalf("files %v, want [8 9]", got)
	}
}

func TestEachEntryFindsBoundaries(t *testing.T) {
	entries := []string{`{"a":"}\\"}`, `{"b":[1,{"c":"]"}]}`, `{}`, `{"d":"\\\\"}`}
	params := ` { "other" : {"entries":[{"x":1}]} , "entries" : [ ` + strings.Join(entries, " , ") + ` ] } `
	var got []string
	if err := eachEntry([]byte(params), func(e []byte) { got = append(got, string(e)) }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, entries) {
		t.Fatalf("got %q\nwant %q", got, entries)
	}
	for _, bad := range []string{`[]`, `{}`, `{"entries":{}}`} {
		if err := eachEntry([]byte(bad), func([]byte) {}); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// TestEachEntryPrefixes: params cut anywhere are never read past their end
// (an index one past it panics), and whatever eachEntry hands out is a whole
// entry of the uncut params, in order.
func TestEachEntryPrefixes(t *testing.T) {
	entries := []string{`{"a":"}\\"}`, `[1,{"c":"]"}]`, `{}`, `"s"`, `7`}
	params := ` { "other" : {"entries":[{"x":1}]} , "entries" : [ ` + strings.Join(entries, " , ") + ` ] } `
	for n := 0; n <= len(params); n++ {
		var got []string
		err := eachEntry([]byte(params[:n]), func(e []byte) { got = append(got, string(e)) })
		if !slices.Equal(got, entries[:len(got)]) {
			t.Fatalf("params[:%d] = %q: entries %q, want a prefix of %q", n, params[:n], got, entries)
		}
		if err == nil && len(got) != len(entries) {
			t.Fatalf("params[:%d] = %q: no error, but only %d of %d entries", n, params[:n], len(got), len(entries))
		}
	}
}

func TestDetectAppHashMismatch(t *testing.T) {
	text := "+2/3 committed an invalid block: wrong Block.Header.AppHash.  Expected 0A1B2C3D4E5F, got FFEE"
	m, ok := DetectAppHashMismatch("CONSENSUS FAILURE!!!", []any{"err", fmt.Errorf("%s", text), "stack", "..."})
	if !ok || m.OurAppHash != "0a1b2c3d4e5f" || m.NetworkAppHash != "ffee" || m.Source != SourceConsensus {
		t.Fatalf("consensus: %+v %v", m, ok)
	}
	if id := m.ID(12); id != "12-0a1b2c3d" {
		t.Fatalf("id %q", id)
	}
	prevote := "precommit step; +2/3 prevoted for an invalid block: wrong Block.Header.AppHash.  Expected AB, got CD"
	if m, ok := DetectAppHashMismatch("CONSENSUS FAILURE!!!", []any{"err", prevote}); !ok || m.OurAppHash != "ab" {
		t.Fatalf("prevote: %+v %v", m, ok)
	}
	if m, ok := DetectAppHashMismatch("Error in validation", []any{"height", 5, "err", fmt.Errorf("wrapped: %s", text)}); !ok || m.Source != SourceBlocksync {
		t.Fatalf("blocksync: %+v %v", m, ok)
	}
	for _, c := range []struct {
		msg string
		kv  []any
	}{
		{"CONSENSUS FAILURE!!!", []any{"err", "failed to apply block; error boom"}},
		{"Error in validation", []any{"err", "wrong Block.Header.LastResultsHash"}},
		{"prevote step: consensus deems this block invalid; prevoting nil", []any{"err", text}},
		{"CONSENSUS FAILURE!!!", []any{"height", 5, "err"}}, // a key without its value
		{"CONSENSUS FAILURE!!!", []any{"error", text}},
	} {
		if m, ok := DetectAppHashMismatch(c.msg, c.kv); ok {
			t.Errorf("%s %v: detected %+v", c.msg, c.kv, m)
		}
	}
}

func failingNode(t *testing.T) (*Recorder, string) {
	t.Helper()
	home := t.TempDir()
	cfgDir := filepath.Join(home, "config")
	os.MkdirAll(filepath.Join(cfgDir, "keyring-test"), 0o755)
	for _, f := range []string{"config.toml", "app.toml", "client.toml", "genesis.json", "priv_validator_key.json", "node_key.json", "keyring-test/val.info", "gentx.json"} {
		if err := os.WriteFile(filepath.Join(cfgDir, f), []byte("content of "+f+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Open(Config{Dir: filepath.Join(home, "data", "flight-recorder"), Policy: DefaultPolicy})
	if err != nil {
		t.Fatal(err)
	}
	for h := int64(1); h <= 5; h++ {
		block(t, r, h, crank(int(h), ""))
	}
	return r, home
}

var mismatch = Mismatch{Source: SourceConsensus, OurAppHash: "deadbeef0011", NetworkAppHash: "cafe", Text: "wrong Block.Header.AppHash.  Expected DEADBEEF0011, got CAFE"}

func TestDumpHoldsEvidenceAndNoKeys(t *testing.T) {
	r, home := failingNode(t)
	res, err := r.Dump(r.Dir(), DumpInput{Height: 5, Mismatch: mismatch, ConfigDir: filepath.Join(home, "config"),
		Versions: map[string]string{"agd": "test"}, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(res.Path) != "consensus-failure-5-deadbeef.tar.gz" || res.Kept {
		t.Fatalf("dump %+v", res)
	}
	members, err := Members(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"README.txt", "config/app.toml", "config/client.toml", "config/config.toml", "config/genesis.json",
		"failure.json", "slog/block-4.jsonl", "slog/block-5.jsonl"}
	for i := range want {
		want[i] = "consensus-failure-5-deadbeef/" + want[i]
	}
	if !slices.Equal(members, want) {
		t.Fatalf("dump holds %v\nwant %v", members, want)
	}
	for _, m := range members {
		if secretFile(m) || strings.Contains(m, "priv_validator") || strings.Contains(m, "node_key") || strings.Contains(m, "keyring") {
			t.Fatalf("dump holds secret %s", m)
		}
	}
	rec, err := readFailureRecord(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	if rec.OurAppHash != "deadbeef0011" || rec.NetworkAppHash != "cafe" || len(rec.SlogBlocks) != 2 {
		t.Fatalf("failure.json %+v", rec)
	}
	recs, err := Load(res.Path)
	if err != nil || len(recs) != 12 || recs[0].Height != 4 {
		t.Fatalf("loaded %d records (%v)", len(recs), err)
	}
}

// TestDumpNeverOverwrites: the restarted node's second detection keeps the
// first dump when it adds nothing, and writes beside it when it differs.
func TestDumpNeverOverwrites(t *testing.T) {
	r, home := failingNode(t)
	in := DumpInput{Height: 5, Mismatch: mismatch, ConfigDir: filepath.Join(home, "config"), Now: time.Now()}
	first, err := r.Dump(r.Dir(), in)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(first.Path)
	again, err := r.Dump(r.Dir(), in)
	if err != nil || !again.Kept || again.Path != first.Path {
		t.Fatalf("second dump of the same evidence: %+v %v", again, err)
	}
	// A node that lost its record has nothing to add.
	empty, err := Open(Config{Dir: t.TempDir(), Policy: DefaultPolicy})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := empty.Dump(r.Dir(), in); err != nil || !res.Kept {
		t.Fatalf("empty dump: %+v %v", res, err)
	}
	// Different evidence goes beside.
	if err := r.Write(batch(`{"type":"late-entry"}`)); err != nil {
		t.Fatal(err)
	}
	beside, err := r.Dump(r.Dir(), in)
	if err != nil || beside.Kept || filepath.Base(beside.Path) != "consensus-failure-5-deadbeef.2.tar.gz" {
		t.Fatalf("differing dump: %+v %v", beside, err)
	}
	after, _ := os.ReadFile(first.Path)
	if string(before) != string(after) {
		t.Fatal("the first dump changed")
	}
	dumps, err := Dumps(r.Dir())
	if err != nil || !slices.Equal(dumps, []string{"consensus-failure-5-deadbeef.2.tar.gz", "consensus-failure-5-deadbeef.tar.gz"}) {
		t.Fatalf("Dumps = %v, %v; want both dumps and no block files", dumps, err)
	}
}

func TestDiffFindsFirstDivergentCrank(t *testing.T) {
	healthy, diverged := t.TempDir(), t.TempDir()
	rh, _ := Open(Config{Dir: healthy, Policy: Policy{KeepBlocks: 10}})
	rd, _ := Open(Config{Dir: diverged, Policy: Policy{KeepBlocks: 10}})
	for h := int64(1); h <= 4; h++ {
		block(t, rh, h, crank(1, ""), crank(2, ""), crank(3, ""))
		extra := ""
		if h == 3 {
			extra = `,"kvChange":"fault.injected"`
		}
		block(t, rd, h, crank(1, ""), crank(2, extra), crank(3, ""))
	}
	// Times differ on every entry of a real pair of nodes.
	rh.Write(batch(`{"type":"x","time":1,"monotime":2}`))
	rd.Write(batch(`{"type":"x","time":3,"monotime":4}`))
	a, _ := Load(diverged)
	b, _ := Load(healthy)
	cmp, d, err := Diff(a, b)
	if err != nil || d == nil {
		t.Fatalf("no divergence found: %v", err)
	}
	if d.Height != 3 || d.Index != 3 || d.Crank != "2" || d.Vat != "v1" || d.Delivery != "20" {
		t.Fatalf("divergence %+v", d)
	}
	if !strings.Contains(string(d.A), "fault.injected") || strings.Contains(string(d.B), "fault.injected") {
		t.Fatalf("entries %s / %s", d.A, d.B)
	}
	if len(cmp.Common) != 4 {
		t.Fatalf("compared %v", cmp)
	}
	if _, d, _ := Diff(b, b); d != nil {
		t.Fatal("a record differs from itself")
	}
}

// SwingSet's timings, transcript replays and vat startups differ between a
// node that restarted and one that did not, without any consensus
// difference, and so does an error only one node's kernel met (its
// SLOGFILE failed): Diff must not stop at them.
func TestDiffIgnoresTimingsReplaysAndStartups(t *testing.T) {
	healthy, restarted := t.TempDir(), t.TempDir()
	rh, _ := Open(Config{Dir: healthy, Policy: Policy{KeepBlocks: 10}})
	rr, _ := Open(Config{Dir: restarted, Policy: Policy{KeepBlocks: 10}})
	for h := int64(1); h <= 2; h++ {
		rh.Write(batch(
			fmt.Sprintf(`{"type":"cosmic-swingset-begin-block","blockHeight":%d}`, h),
			`{"type":"deliver-result","crankNum":5,"vatID":"v1","seconds":0.001}`,
			`{"type":"heap-snapshot-save","vatID":"v1","hash":"ab","compressSeconds":0.2}`,
			fmt.Sprintf(`{"type":"cosmic-swingset-commit-block-finish","blockHeight":%d}`, h),
		))
		rr.Write(batch(
			fmt.Sprintf(`{"type":"cosmic-swingset-begin-block","blockHeight":%d}`, h),
			`{"type":"vat-startup-start","vatID":"v1"}`,
			`{"type":"deliver","vatID":"v1","replay":true}`,
			`{"type":"vat-startup-finish","vatID":"v1","seconds":0.5}`,
			`{"type":"agvm-error","site":"slog_file","error":"SLOGFILE write failed: ENOSPC; file slog disabled"}`,
			`{"type":"deliver-result","crankNum":5,"vatID":"v1","seconds":0.7}`,
			`{"type":"heap-snapshot-save","vatID":"v1","hash":"ab","compressSeconds":0.9}`,
			fmt.Sprintf(`{"type":"cosmic-swingset-commit-block-finish","blockHeight":%d}`, h),
		))
	}
	a, _ := Load(restarted)
	b, _ := Load(healthy)
	if _, d, err := Diff(a, b); err != nil || d != nil {
		t.Fatalf("a restart's local entries were taken for a divergence: %+v %v", d, err)
	}
}

// TestRecorderReportsEveryWriteFailure: once the folder is gone, every
// failed file operation reaches OnError, two in one batch included, not
// just the first of a run or of a batch.
func TestRecorderReportsEveryWriteFailure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fr")
	var failures []error
	r, err := Open(Config{Dir: dir, Policy: Policy{KeepBlocks: 2}, OnError: func(err error) { failures = append(failures, err) }})
	if err != nil {
		t.Fatal(err)
	}
	block(t, r, 1, crank(1, ""))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for h := int64(2); h <= 4; h++ {
		r.HandleSlogWrite(nil, batch(markerEntry(TypeBeginBlock, h)))
	}
	if len(failures) != 3 {
		t.Fatalf("3 failing batches reported %d failures, want 3: %v", len(failures), failures)
	}
	r.HandleSlogWrite(nil, batch(markerEntry(TypeBeginBlock, 5), markerEntry(TypeBeginBlock, 6)))
	if len(failures) != 5 {
		t.Fatalf("a batch with two failed writes reported %d failures, want 2: %v", len(failures)-3, failures[3:])
	}
	if r.Entries() != 6+5 {
		t.Fatalf("counted %d entries, want 11", r.Entries())
	}
}

// TestRestartEntriesBeforeTheFirstBlockGoToStartup: a restarted kernel's
// entries from before its first block (vat workers starting, transcripts
// replayed) belong to no block. They go to startup.jsonl, and the last
// block the previous run kept stays byte for byte as it was: it may be a
// diverged node's evidence.
func TestRestartEntriesBeforeTheFirstBlockGoToStartup(t *testing.T) {
	dir := t.TempDir()
	r, err := Open(Config{Dir: dir, Policy: Policy{KeepBlocks: 2}})
	if err != nil {
		t.Fatal(err)
	}
	for h := 5; h <= 6; h++ {
		r.Write(batch(fmt.Sprintf(`{"type":"cosmic-swingset-begin-block","blockHeight":%d}`, h), `{"type":"deliver","vatID":"v1"}`))
	}
	r.Close()
	before, err := os.ReadFile(filepath.Join(dir, BlockFileName(6)))
	if err != nil {
		t.Fatal(err)
	}

	r, err = Open(Config{Dir: dir, Policy: Policy{KeepBlocks: 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.Write(batch(`{"type":"vat-startup-start","vatID":"v1"}`, `{"type":"deliver","vatID":"v1","replay":true}`))
	r.Write(batch(`{"type":"cosmic-swingset-begin-block","blockHeight":7}`, `{"type":"deliver","vatID":"v1"}`))
	after, _ := os.ReadFile(filepath.Join(dir, BlockFileName(6)))
	if !bytes.Equal(before, after) {
		t.Fatalf("block 6 changed across the restart:\n%s\nthen\n%s", before, after)
	}
	startup, _ := os.ReadFile(filepath.Join(dir, StartupFileName))
	if got := strings.Count(string(startup), "\n"); got != 2 || !strings.Contains(string(startup), "vat-startup-start") {
		t.Fatalf("startup.jsonl holds %d lines, want the 2 entries from before block 7:\n%s", got, startup)
	}
	if b7, _ := os.ReadFile(filepath.Join(dir, BlockFileName(7))); !strings.HasPrefix(string(b7), `{"type":"cosmic-swingset-begin-block","blockHeight":7}`) {
		t.Fatalf("block 7 starts %q, want its begin-block marker", b7)
	}
}

// Config.Observe sees every entry, startup and block entries alike, with
// the kernel's bytes and in its order, across batch boundaries.
func TestRecorderObserveSeesEveryEntryInOrder(t *testing.T) {
	var seen []string
	r, err := Open(Config{Dir: t.TempDir(), Policy: Policy{KeepBlocks: 2},
		Observe: func(entry []byte) { seen = append(seen, string(entry)) }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	start := crank(0, "")
	if err := r.Write(batch(start)); err != nil {
		t.Fatal(err)
	}
	block(t, r, 1, crank(1, ""), crank(2, ""))
	want := []string{start, markerEntry(TypeBeginBlock, 1), markerEntry(TypeEndBlockStart, 1), crank(1, ""), crank(2, ""),
		markerEntry(TypeEndBlockEnd, 1), markerEntry(TypeCommitStart, 1), markerEntry(TypeCommitEnd, 1)}
	if !slices.Equal(seen, want) {
		t.Fatalf("observed\n%s\nwant\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
}
