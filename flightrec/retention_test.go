package flightrec

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

var (
	retentionHistories = flag.Int("flightrec.histories", 2000, "random histories per retention property test")
	retentionSeed      = flag.Uint64("flightrec.seed", 0, "replay only this history seed")
)

// model is what the file layer would hold after performing every action:
// the only view of Retention that matters outside it.
type model struct {
	files map[int64]int64
}

func (m *model) apply(t *testing.T, acts []Action) {
	for _, a := range acts {
		switch a.Kind {
		case ActWrite:
			m.files[a.Height] += a.Size
		case ActDelete:
			if _, ok := m.files[a.Height]; !ok && a.Size > 0 {
				t.Fatalf("delete of block %d that holds no file", a.Height)
			}
			delete(m.files, a.Height)
		default:
			t.Fatalf("unknown action %+v", a)
		}
	}
}

// oracle is the retention rule of docs/flight-recorder.md kept by the test
// from the events alone, never from the machine's state: which block is
// current, which blocks are kept, and so which ones the rule protects.
type oracle struct {
	current int64
	kept    map[int64]bool
}

// startBlock: block h is in progress and kept, whatever came before it
// (the next block, the same block replayed, or a lower one after a rollback).
func (o *oracle) startBlock(h int64) {
	o.current = h
	o.kept[h] = true
}

// restart: what is on disk is kept, and the highest of it is current (0,
// before any block, when nothing is).
func (o *oracle) restart(disk []Block) {
	o.current, o.kept = 0, map[int64]bool{}
	for _, b := range disk {
		o.kept[b.Height] = true
		o.current = max(o.current, b.Height)
	}
}

// protected is the rule's "never released": the current block and the
// previous one, the highest kept height below the current. It must be read
// after the event and before the event's releases, since the machine
// decides its releases against that state.
func (o *oracle) protected() []int64 {
	prev := int64(-1)
	for h := range o.kept {
		if h < o.current && h > prev {
			prev = h
		}
	}
	return []int64{o.current, prev}
}

// release applies the deletions the machine asked for.
func (o *oracle) release(acts []Action) {
	for _, a := range acts {
		if a.Kind == ActDelete {
			delete(o.kept, a.Height)
		}
	}
}

// runHistory replays one random history: mostly the next block and a few
// entries, sometimes a replayed block, a rollback, a burst of big entries
// or a restart.
func runHistory(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0xf11e))
	p := Policy{KeepBlocks: rng.IntN(6), MaxBytes: int64(rng.IntN(4)) * int64(rng.IntN(4000))}
	r, acts := NewRetention(p, nil)
	m := &model{files: map[int64]int64{}}
	m.apply(t, acts)
	o := &oracle{kept: map[int64]bool{}}
	height := int64(rng.IntN(3))
	var log []string
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("seed %d (replay with -flightrec.seed=%d), policy %+v: %s\nhistory:\n%v", seed, seed, p, fmt.Sprintf(format, args...), log)
	}
	for step := 0; step < 200; step++ {
		var acts []Action
		var protected []int64
		switch k := rng.IntN(100); {
		case k < 30:
			height++
			o.startBlock(height)
			protected = o.protected()
			acts = r.StartBlock(height, nil)
			log = append(log, fmt.Sprintf("start %d", height))
		case k < 33:
			o.startBlock(height)
			protected = o.protected()
			acts = r.StartBlock(height, nil) // replay of the same block
			log = append(log, fmt.Sprintf("restart-same %d", height))
		case k < 35 && height > 2:
			height -= int64(1 + rng.IntN(2))
			o.startBlock(height)
			protected = o.protected()
			acts = r.StartBlock(height, nil)
			log = append(log, fmt.Sprintf("rollback %d", height))
		case k < 40:
			// a restart: the machine is rebuilt from the files on disk
			var disk []Block
			for h, size := range m.files {
				disk = append(disk, Block{Height: h, Size: size})
			}
			rng.Shuffle(len(disk), func(i, j int) { disk[i], disk[j] = disk[j], disk[i] })
			o.restart(disk)
			protected = o.protected()
			r, acts = NewRetention(p, disk)
			if len(disk) > 0 {
				height = o.current
			}
			log = append(log, "restart")
		default:
			size := int64(1 + rng.IntN(300))
			if rng.IntN(20) == 0 {
				size *= 20
			}
			o.startBlock(o.current) // entries belong to the current block
			protected = o.protected()
			acts = r.Append(size, nil)
			log = append(log, fmt.Sprintf("append %d", size))
		}
		m.apply(t, acts)
		checkStep(fail, r, m, o, p, acts, protected)
		o.release(acts)
	}
}

// checkStep checks one event's actions against the rule. protected is the
// oracle's, read after the event and before its releases.
func checkStep(fail func(string, ...any), r *Retention, m *model, o *oracle, p Policy, acts []Action, protected []int64) {
	if r.Current() != o.current {
		fail("machine's current block is %d, the events make it %d", r.Current(), o.current)
	}
	// The actions describe the machine's state exactly.
	for _, b := range r.Blocks() {
		if b.Size > 0 && m.files[b.Height] != b.Size {
			fail("block %d: machine says %d bytes, files hold %d", b.Height, b.Size, m.files[b.Height])
		}
	}
	for h, size := range m.files {
		if i, ok := r.find(h); !ok || r.blocks[i].Size != size {
			fail("file of block %d (%d bytes) is not kept by the machine", h, size)
		}
	}
	var deleted []int64
	for _, a := range acts {
		switch a.Kind {
		case ActWrite:
			if a.Height != o.current {
				fail("write to block %d while block %d is current", a.Height, o.current)
			}
		case ActDelete:
			if slices.Contains(protected, a.Height) {
				fail("deleted protected block %d (current %d, previous %d)", a.Height, protected[0], protected[1])
			}
			if !o.kept[a.Height] {
				fail("deleted block %d, which was not kept", a.Height)
			}
			deleted = append(deleted, a.Height)
		}
	}
	// The machine keeps what the events kept, less what it released.
	var want []int64
	for h := range o.kept {
		if !slices.Contains(deleted, h) {
			want = append(want, h)
		}
	}
	slices.Sort(want)
	blocks := r.Blocks()
	var got []int64
	for _, b := range blocks {
		got = append(got, b.Height)
	}
	if !slices.Equal(got, want) {
		fail("machine keeps blocks %v, the events and its releases leave %v", got, want)
	}
	over := len(blocks) > p.keepBlocks() || (p.MaxBytes > 0 && r.Total() > p.MaxBytes)
	var unprotected []Block
	for _, b := range blocks {
		if !slices.Contains(protected, b.Height) {
			unprotected = append(unprotected, b)
		}
	}
	// Bounds hold unless only protected blocks are left.
	if over && len(unprotected) > 0 {
		fail("over bounds (%d blocks, %d bytes) with releasable blocks %v kept", len(blocks), r.Total(), unprotected)
	}
	// Oldest first: anything released is older than every releasable block kept.
	for _, d := range deleted {
		for _, u := range unprotected {
			if d > u.Height && u.Height < o.current {
				fail("released block %d before older block %d", d, u.Height)
			}
		}
	}
	// Nothing is released needlessly: keeping the last one released would
	// break a bound.
	if n := len(deleted); n > 0 {
		last := deleted[n-1]
		var size int64
		for _, a := range acts {
			if a.Kind == ActDelete && a.Height == last {
				size = a.Size
			}
		}
		if len(blocks)+1 <= p.keepBlocks() && (p.MaxBytes <= 0 || r.Total()+size <= p.MaxBytes) {
			fail("released block %d although keeping it breaks no bound", last)
		}
	}
}

func TestRetentionProperties(t *testing.T) {
	if *retentionSeed != 0 {
		runHistory(t, *retentionSeed)
		return
	}
	for seed := uint64(1); seed <= uint64(*retentionHistories); seed++ {
		runHistory(t, seed)
	}
}

// TestRetentionDefaultKeepsTwo pins the everyday case: with the default
// policy, starting block H+1 releases block H-1.
func TestRetentionDefaultKeepsTwo(t *testing.T) {
	r, _ := NewRetention(Policy{KeepBlocks: 2}, nil)
	var acts []Action
	for h := int64(1); h <= 5; h++ {
		acts = r.StartBlock(h, acts[:0])
		acts = r.Append(10, acts)
	}
	got := r.Blocks()
	want := []Block{{4, 10}, {5, 10}}
	if !slices.Equal(got, want) {
		t.Fatalf("kept %v, want %v", got, want)
	}
	acts = r.StartBlock(6, nil)
	if !slices.Equal(acts, []Action{{Kind: ActDelete, Height: 4, Size: 10}}) {
		t.Fatalf("starting block 6: %v, want block 4 released", acts)
	}
}

// TestRetentionRollbackDoesNotProtectBlocksAbove pins what StartBlock's
// comment says a rollback does to the blocks kept above it.
func TestRetentionRollbackDoesNotProtectBlocksAbove(t *testing.T) {
	r, _ := NewRetention(Policy{KeepBlocks: 2}, nil)
	for h := int64(5); h <= 6; h++ {
		r.StartBlock(h, nil)
		r.Append(10, nil)
	}
	acts := r.StartBlock(3, nil)
	if !slices.Equal(acts, []Action{{Kind: ActDelete, Height: 5, Size: 10}}) {
		t.Fatalf("rolling back to 3: %v, want block 5 released", acts)
	}
	if got, want := r.Blocks(), []Block{{3, 0}, {6, 10}}; !slices.Equal(got, want) {
		t.Fatalf("kept %v, want %v", got, want)
	}
}

// TestRetentionRestartKeepsFailingBlocks is the diverged node's restart: the
// failing block and the one before it come back from disk and stay.
func TestRetentionRestartKeepsFailingBlocks(t *testing.T) {
	r, acts := NewRetention(Policy{KeepBlocks: 2, MaxBytes: 1}, []Block{{8, 500}, {7, 400}})
	if len(acts) != 0 {
		t.Fatalf("restart released %v", acts)
	}
	if r.Current() != 8 {
		t.Fatalf("current %d after restart, want 8", r.Current())
	}
	r.Append(10, nil)
	if got := r.Blocks(); !slices.Equal(got, []Block{{7, 400}, {8, 510}}) {
		t.Fatalf("kept %v", got)
	}
}
