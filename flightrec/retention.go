package flightrec

import "slices"

// Policy bounds what the recorder keeps. The block in progress and the one
// before it are kept whatever the bounds say: the block before is the one
// whose AppHash the network has not yet confirmed when the current one
// starts failing, and the current one is where the failure shows.
type Policy struct {
	// KeepBlocks is how many blocks are kept at most, the current one
	// included. Values below 2 mean 2.
	KeepBlocks int
	// MaxBytes bounds the total size of the kept blocks; ≤ 0 means no bound.
	// The current and previous blocks may exceed it on their own.
	MaxBytes int64
}

// DefaultPolicy is what agd uses when app.toml says nothing.
var DefaultPolicy = Policy{KeepBlocks: 2, MaxBytes: 256 << 20}

func (p Policy) keepBlocks() int { return max(p.KeepBlocks, 2) }

// ActionKind says what the file layer must do.
type ActionKind uint8

const (
	// ActWrite appends Size bytes of entries to block Height's file.
	ActWrite ActionKind = iota + 1
	// ActDelete removes block Height's file.
	ActDelete
)

// Action is one step Retention asks the file layer to perform.
type Action struct {
	Kind   ActionKind
	Height int64
	Size   int64
}

// Block is one kept block and the bytes recorded for it.
type Block struct {
	Height int64
	Size   int64
}

// Retention is the recorder's retention rule as a state machine without
// I/O: events in (a block started, entries arrived), actions out (write to
// block H's file, delete block H's file).
//
// The rule: every entry belongs to the block in progress (the current
// block). Block H's AppHash is confirmed by the network when block H+1 is
// finalized, so once H+1 starts, every block before H is released: it
// stays only while the kept blocks number at most Policy.KeepBlocks and
// weigh at most Policy.MaxBytes, and the oldest goes first. The current
// block and the previous one (the highest kept height below the current)
// are never released.
type Retention struct {
	policy  Policy
	blocks  []Block // ascending by height
	current int64
	total   int64
}

// NewRetention starts the machine from the blocks found on disk (any
// order); the highest becomes the current block, since a node that
// restarts continues where it stopped. It returns the deletions the policy
// asks for right away, e.g. after KeepBlocks was lowered.
func NewRetention(p Policy, restored []Block) (*Retention, []Action) {
	r := &Retention{policy: p}
	for _, b := range restored {
		if i, ok := r.find(b.Height); ok {
			r.blocks[i].Size += b.Size
		} else {
			r.blocks = slices.Insert(r.blocks, i, b)
		}
		r.total += b.Size
	}
	if n := len(r.blocks); n > 0 {
		r.current = r.blocks[n-1].Height
	}
	return r, r.evict(nil)
}

// Current is the height entries are attributed to now; 0 before any block
// started (the kernel's entries from before the first block).
func (r *Retention) Current() int64 { return r.current }

// Blocks returns the kept blocks, ascending by height.
func (r *Retention) Blocks() []Block { return slices.Clone(r.blocks) }

// Total is the size of all kept blocks.
func (r *Retention) Total() int64 { return r.total }

// StartBlock records that block h is now in progress. Heights normally
// grow by one; the same height again (the kernel replaying a block after a
// restart) changes nothing. A lower one (a rollback) becomes current, and the
// blocks kept above it get no protection: like any block that is neither
// current nor previous they stay while the bounds allow, and are evicted
// lowest first when they do not (KeepBlocks 2, blocks {5, 6}, StartBlock(3)
// keeps {3, 6}).
func (r *Retention) StartBlock(h int64, out []Action) []Action {
	if h == r.current && len(r.blocks) > 0 {
		return out
	}
	r.current = h
	if i, ok := r.find(h); !ok {
		r.blocks = slices.Insert(r.blocks, i, Block{Height: h})
	}
	return r.evict(out)
}

// Append records size bytes of entries for the current block.
func (r *Retention) Append(size int64, out []Action) []Action {
	i, ok := r.find(r.current)
	if !ok {
		r.blocks = slices.Insert(r.blocks, i, Block{Height: r.current})
	}
	r.blocks[i].Size += size
	r.total += size
	out = append(out, Action{Kind: ActWrite, Height: r.current, Size: size})
	return r.evict(out)
}

// previous is the highest kept height below the current one, or -1.
func (r *Retention) previous() int64 {
	i, _ := r.find(r.current)
	if i == 0 {
		return -1
	}
	return r.blocks[i-1].Height
}

// evict releases the oldest unprotected blocks while a bound is exceeded.
func (r *Retention) evict(out []Action) []Action {
	prev := r.previous()
	for i := 0; i < len(r.blocks) && r.overBounds(); {
		b := r.blocks[i]
		if b.Height == r.current || b.Height == prev {
			i++
			continue
		}
		r.blocks = slices.Delete(r.blocks, i, i+1)
		r.total -= b.Size
		out = append(out, Action{Kind: ActDelete, Height: b.Height, Size: b.Size})
	}
	return out
}

func (r *Retention) overBounds() bool {
	return len(r.blocks) > r.policy.keepBlocks() || (r.policy.MaxBytes > 0 && r.total > r.policy.MaxBytes)
}

func (r *Retention) find(h int64) (int, bool) {
	return slices.BinarySearchFunc(r.blocks, h, func(b Block, h int64) int {
		switch {
		case b.Height < h:
			return -1
		case b.Height > h:
			return 1
		}
		return 0
	})
}
