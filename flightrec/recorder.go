package flightrec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
)

// Config says where a Recorder keeps its files and how much.
type Config struct {
	// Dir holds one block-<H>.jsonl file per kept block; agd uses
	// <home>/data/flight-recorder.
	Dir    string
	Policy Policy
	// OnError is told about every write failure, one call per failed file
	// operation (a full disk fails every batch, and each one counts). The
	// recorder never fails the kernel's slog.Write over them: a validator
	// must not stop because its evidence could not be written. Nil ignores
	// them.
	OnError func(error)
	// Observe, if set, sees every entry recorded, in the kernel's order,
	// before it is written (agd's per-block work metrics read them here,
	// so the batch is sliced into entries once). It must not keep entry.
	Observe func(entry []byte)
}

// Recorder keeps the kernel's slog entries of the last blocks on disk. It
// is safe for concurrent use; Write is meant to be called from the rpc
// connection's reader (see HandleSlogWrite).
type Recorder struct {
	dir     string
	onError func(error)
	observe func(entry []byte)
	entries atomic.Uint64

	mu        sync.Mutex
	retention *Retention
	store     *store
	buf       []byte   // the entries of one block within one batch
	acts      []Action // reused between batches
	// started is set by this run's first block marker. The kernel's
	// entries before it (its own start: SwingSet's vat workers, transcript
	// replays) belong to no block; they go to startup.jsonl, never onto the
	// last block a previous run kept, whose record is evidence.
	started bool
}

// Open opens the record in cfg.Dir, taking over the blocks a previous run
// left there, and applies the policy to them.
func Open(cfg Config) (*Recorder, error) {
	st, blocks, err := openStore(cfg.Dir)
	if err != nil {
		return nil, err
	}
	ret, acts := NewRetention(cfg.Policy, blocks)
	r := &Recorder{dir: cfg.Dir, onError: cfg.OnError, observe: cfg.Observe, retention: ret, store: st}
	if cfg.OnError == nil {
		r.onError = func(error) {}
	}
	if err := st.clearStartup(); err != nil {
		return nil, err
	}
	if err := r.perform(acts); err != nil {
		return nil, err
	}
	return r, nil
}

// Dir is the folder the record lives in.
func (r *Recorder) Dir() string { return r.dir }

// Entries counts the entries recorded since Open.
func (r *Recorder) Entries() uint64 { return r.entries.Load() }

// Current is the block entries are attributed to now.
func (r *Recorder) Current() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.retention.Current()
}

// RetainedBytes is the total size of the kept blocks.
func (r *Recorder) RetainedBytes() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var n int64
	for _, b := range r.retention.Blocks() {
		n += b.Size
	}
	return n
}

// Blocks lists the kept blocks, ascending.
func (r *Recorder) Blocks() []Block {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.retention.Blocks()
}

// HandleSlogWrite is the recorder as an rpc.HandleRaw function for
// slog.Write. It answers nothing and never fails: slog.Write is a
// notification, and evidence that cannot be written is reported through
// Config.OnError, once per failure, instead of stopping the kernel.
func (r *Recorder) HandleSlogWrite(_ context.Context, raw json.RawMessage) (any, error) {
	if err := r.Write(raw); err != nil {
		for _, e := range failures(err) {
			r.onError(e)
		}
	}
	return nil, nil
}

// failures splits an error from Write into its failures, one per failed
// file operation.
func failures(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, failures(e)...)
		}
		return out
	}
	return []error{err}
}

// Write records the entries of one slog.Write params object,
// {"entries": [...]}. Each entry becomes one line of its block's file, with
// the kernel's bytes unchanged; each block's lines of one batch are written
// with a single write(2). Every failure is kept: the error joins them
// (failures splits it).
func (r *Recorder) Write(params []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	n := 0
	err := eachEntry(params, func(entry []byte) {
		n++
		if r.observe != nil {
			r.observe(entry)
		}
		if h, ok := markerHeight(entry); ok {
			if h != r.retention.Current() || !r.started {
				keep(r.flush())
			}
			r.started = true
			keep(r.perform(r.retention.StartBlock(h, r.acts[:0])))
		}
		r.buf = append(r.buf, entry...)
		r.buf = append(r.buf, '\n')
	})
	keep(r.flush())
	r.entries.Add(uint64(n))
	if err != nil {
		errs = append(errs, fmt.Errorf("flight recorder: %w", err))
	}
	return errors.Join(errs...)
}

// flush hands the buffered lines to the current block, or to the start-up
// record before this run's first block.
func (r *Recorder) flush() error {
	if len(r.buf) == 0 {
		return nil
	}
	if !r.started {
		err := r.store.writeStartup(r.buf)
		r.buf = r.buf[:0]
		return err
	}
	acts := r.retention.Append(int64(len(r.buf)), r.acts[:0])
	err := r.perform(acts)
	r.buf = r.buf[:0]
	return err
}

// perform carries out Retention's actions; a write's bytes are r.buf.
func (r *Recorder) perform(acts []Action) error {
	var errs []error
	for _, a := range acts {
		var err error
		switch a.Kind {
		case ActWrite:
			err = r.store.write(a.Height, r.buf)
		case ActDelete:
			err = r.store.remove(a.Height)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	r.acts = acts[:0]
	return errors.Join(errs...)
}

// readBlocks returns the recorded lines of those of heights that are kept.
func (r *Recorder) readBlocks(heights ...int64) (map[int64][]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[int64][]byte, len(heights))
	for _, h := range heights {
		if _, ok := r.retention.find(h); !ok {
			continue
		}
		data, err := os.ReadFile(r.store.path(h))
		if err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("read flight record of block %d: %w", h, err)
		}
		out[h] = data
	}
	return out, nil
}

// Close closes the open block file. Entries written afterwards reopen it.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.store.closeFile()
}
