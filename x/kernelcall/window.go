// Package kernelcall gates the kernel's calls into agd to the one moment they
// are valid: while agd waits for swingset.EndBlock's answer.
//
// The rpc connection serves the kernel's requests on its own goroutine while
// the block goroutine is blocked in the EndBlock call, so a handler may use
// the block's sdk.Context then, and only then. The app opens a Window with
// that context right before the call and closes it right after; handlers
// registered with Handle get the context from it or answer -32002.
package kernelcall

import (
	"sync"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/agd-project/agd/rpc"
)

// Window holds the block's context while the kernel may call agd. The zero
// value is a closed window.
type Window struct {
	// mu is held by a handler for the whole call, so Close waits for a call
	// in flight rather than letting it write into a block that has ended.
	mu   sync.Mutex
	ctx  sdk.Context
	open bool
}

// NewWindow returns a closed window.
func NewWindow() *Window { return &Window{} }

// Open lets the kernel's calls use ctx, the block's context, until Close.
func (w *Window) Open(ctx sdk.Context) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ctx, w.open = ctx, true
}

// Close ends the window, after any call in flight has finished.
func (w *Window) Close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ctx, w.open = sdk.Context{}, false
}

// IsOpen reports whether the kernel may call agd now.
func (w *Window) IsOpen() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.open
}

// ErrNoBlock is the answer to a call outside the window.
func errNoBlock(method string) *rpc.Error {
	return rpc.Errorf(rpc.CodeNoBlock, "%s: no block in progress: the kernel may call agd only during swingset.EndBlock", method)
}

// run calls fn with a cache of the block's context and writes the cache only
// if fn succeeds, so a failed call changes nothing, events included.
func (w *Window) run(method string, fn func(ctx sdk.Context) error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.open {
		return errNoBlock(method)
	}
	cacheCtx, write := w.ctx.CacheContext()
	if err := fn(cacheCtx); err != nil {
		return err
	}
	write()
	return nil
}
