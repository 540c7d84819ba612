package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
)

// Handler serves the requests and notifications the peer sends. Calls come
// one at a time, in arrival order; a handler may call back into the peer
// (ConnFrom(ctx) gives the connection) because responses are read while it
// runs. For a notification the result is dropped.
//
// While a handler waits in Call, the peer's next requests are handled on
// the handler's goroutine, nested, still one at a time and in order: that
// is what lets the peer call back in turn. Calls from other goroutines a
// handler starts do not serve the queue and must not be waited for by the
// handler if the peer will call back first.
type Handler interface {
	ServeRPC(ctx context.Context, req *Message) (result any, err error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, req *Message) (any, error)

// ServeRPC calls f.
func (f HandlerFunc) ServeRPC(ctx context.Context, req *Message) (any, error) { return f(ctx, req) }

// Option configures a Conn.
type Option func(*Conn)

// WithMaxLine sets the longest line the connection reads; a longer one is a
// protocol error that closes it. The default is DefaultMaxLine.
func WithMaxLine(n int) Option { return func(c *Conn) { c.maxLine = n } }

// WithLogger sets where the connection logs what it cannot return: protocol
// errors (besides being the close cause), responses nobody waits for, failed
// notifications. The default is slog.Default().
func WithLogger(l *slog.Logger) Option { return func(c *Conn) { c.log = l } }

// Conn is one end of the agd ⇄ kernel connection. Both ends call each other.
// It owns its two files and closes them when it closes.
type Conn struct {
	stream  *Stream
	rd, wr  *os.File
	h       Handler
	log     *slog.Logger
	maxLine int

	ctx    context.Context // handlers' context: carries the Conn, ends at close
	cancel context.CancelFunc

	lastID atomic.Uint64 // ids start at 1: a JS peer testing !msg.id must not see 0

	// handling counts handlers running on the serve goroutine, nested ones
	// included; a Call made under one serves the queue while it waits.
	handling atomic.Int32

	mu      sync.Mutex
	pending map[uint64]chan<- *Message
	cause   error
	done    chan struct{}

	queue queue
}

// NewConn starts a connection reading from rd and writing to wr, serving
// the peer's requests with h (nil answers every request -32601).
func NewConn(rd, wr *os.File, h Handler, opts ...Option) *Conn {
	c := &Conn{
		rd:      rd,
		wr:      wr,
		h:       h,
		pending: make(map[uint64]chan<- *Message),
		done:    make(chan struct{}),
	}
	for _, o := range opts {
		o(c)
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.h == nil {
		c.h = NewMux()
	}
	c.stream = NewStream(rd, wr, c.maxLine, nil)
	c.queue.wake = make(chan struct{}, 1)
	c.ctx, c.cancel = context.WithCancel(context.WithValue(context.Background(), connKey{}, c))
	go c.read()
	go c.serve()
	return c
}

type connKey struct{}

// ConnFrom returns the connection a handler's ctx belongs to, so a handler
// can call back into the peer; nil outside a handler.
func ConnFrom(ctx context.Context) *Conn {
	c, _ := ctx.Value(connKey{}).(*Conn)
	return c
}

// Done is closed when the connection has closed; Err then says why.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is why the connection closed: ErrClosed after Close, an error wrapping
// io.EOF when the peer closed its end, a *ProtocolError, a write error, or
// the cause given to CloseWithCause. It is nil while the connection is open.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cause
}

// Close closes the connection with cause ErrClosed.
func (c *Conn) Close() error {
	c.CloseWithCause(ErrClosed)
	return nil
}

// CloseWithCause closes the connection, recording cause as what Err and
// pending calls report, e.g. the kernel's exit status after a kill. Only the
// first cause sticks.
func (c *Conn) CloseWithCause(cause error) {
	c.mu.Lock()
	if c.cause != nil {
		c.mu.Unlock()
		return
	}
	c.cause = cause
	c.pending = nil
	c.mu.Unlock()
	var pe *ProtocolError
	if errors.As(cause, &pe) {
		c.log.Error("rpc: closing on protocol error", "code", pe.Code, "reason", pe.Reason, "head", string(pe.Head))
	}
	close(c.done)
	c.cancel()
	c.rd.Close()
	c.wr.Close()
}

// Call sends a request and waits for its response, decoding the result into
// result (a pointer; nil discards it). params must encode to a JSON object;
// json.RawMessage is sent as is. An error response comes back as an error
// wrapping *Error; a close as an error wrapping Err(); ctx bounds the wait.
func (c *Conn) Call(ctx context.Context, method string, params, result any) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("rpc: %s: %w", method, err)
	}
	id := c.lastID.Add(1)
	ch := make(chan *Message, 1)
	c.mu.Lock()
	if c.cause != nil {
		cause := c.cause
		c.mu.Unlock()
		return fmt.Errorf("rpc: %s: %w", method, cause)
	}
	c.pending[id] = ch
	c.mu.Unlock()

	if err := c.stream.writeCall(id, method, params); err != nil {
		c.forget(id)
		return c.writeFailed(method, err)
	}
	// A call made by a handler keeps serving the queue while it waits: the
	// peer may need an answer from us before it can answer this call (it
	// calls back in turn), and only this goroutine may handle messages.
	var serveQueue <-chan struct{}
	if c.handling.Load() > 0 && ConnFrom(ctx) == c {
		serveQueue = c.queue.wake
	}
	for {
		select {
		case resp := <-ch:
			return decodeResult(method, resp, result)
		case <-serveQueue:
			for {
				m, ok := c.queue.tryPop()
				if !ok {
					break
				}
				c.handle(m)
			}
		case <-ctx.Done():
			c.forget(id)
			return fmt.Errorf("rpc: %s: %w", method, ctx.Err())
		case <-c.done:
			return fmt.Errorf("rpc: %s: %w", method, c.Err())
		}
	}
}

func decodeResult(method string, resp *Message, result any) error {
	if resp.Error != nil {
		return fmt.Errorf("rpc: %s: %w", method, resp.Error)
	}
	if result == nil {
		return nil
	}
	raw := resp.Result
	if len(raw) == 0 {
		raw = json.RawMessage("null")
	}
	if err := json.Unmarshal(raw, result); err != nil {
		return fmt.Errorf("rpc: %s: decoding result: %w", method, err)
	}
	return nil
}

// Notify sends a notification; it returns once the line is written.
func (c *Conn) Notify(ctx context.Context, method string, params any) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("rpc: %s: %w", method, err)
	}
	if err := c.Err(); err != nil {
		return fmt.Errorf("rpc: %s: %w", method, err)
	}
	if err := c.stream.writeCall(0, method, params); err != nil {
		return c.writeFailed(method, err)
	}
	return nil
}

// writeFailed closes the connection when the pipe broke, since a partly
// written line leaves the peer's reader out of step; an encoding error
// wrote nothing and is only the caller's.
func (c *Conn) writeFailed(method string, err error) error {
	var werr *writeError
	if errors.As(err, &werr) {
		c.CloseWithCause(err)
		if cause := c.Err(); cause != nil && cause != err {
			err = cause
		}
	}
	return fmt.Errorf("rpc: %s: %w", method, err)
}

func (c *Conn) forget(id uint64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// read is the only reader. It never waits for a handler, which is why a
// handler may call back into the peer: the response to that call is read
// here while the handler waits.
func (c *Conn) read() {
	for {
		m := new(Message)
		if err := c.stream.ReadMessage(m); err != nil {
			switch {
			case errors.Is(err, io.EOF):
				err = fmt.Errorf("rpc: peer closed the connection: %w", err)
			case errors.Is(err, os.ErrClosed):
				err = ErrClosed // we closed rd; CloseWithCause already recorded why
			}
			c.CloseWithCause(err)
			return
		}
		if !m.IsResponse() {
			c.queue.push(m)
			continue
		}
		id, err := strconv.ParseUint(string(m.ID), 10, 64)
		c.mu.Lock()
		ch, ok := c.pending[id]
		delete(c.pending, id)
		c.mu.Unlock()
		if err != nil || !ok {
			c.log.Warn("rpc: ignoring a response no call waits for", "id", string(m.ID))
			continue
		}
		ch <- m
	}
}

// serve handles queued requests one at a time, in arrival order.
func (c *Conn) serve() {
	for {
		m, ok := c.queue.pop(c.done)
		if !ok {
			return
		}
		c.handle(m)
	}
}

func (c *Conn) handle(m *Message) {
	var result any
	var err error
	if m.paramsErr != "" {
		err = Errorf(CodeInvalidParams, "%s: %s", m.Method, m.paramsErr)
	} else {
		result, err = c.callHandler(m)
	}
	if m.IsNotification() {
		if err != nil {
			c.log.Warn("rpc: notification failed", "method", m.Method, "err", err)
		}
		return
	}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = &Error{Code: CodeInternalError, Message: err.Error()}
		}
		err = c.stream.WriteMessage(&Message{ID: m.ID, Error: e})
	} else {
		err = c.stream.writeResult(m.ID, result)
		var werr *writeError
		if err != nil && !errors.As(err, &werr) {
			// The result would not encode; the peer still gets its one response.
			err = c.stream.WriteMessage(&Message{ID: m.ID, Error: &Error{Code: CodeInternalError, Message: err.Error()}})
		}
	}
	if err != nil {
		c.CloseWithCause(err)
	}
}

// callHandler turns a handler panic into -32603 so one bad method cannot
// take agd down through the connection's goroutine.
func (c *Conn) callHandler(m *Message) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("rpc: handler panicked", "method", m.Method, "panic", p)
			err = Errorf(CodeInternalError, "%s: handler panicked: %v", m.Method, p)
		}
	}()
	c.handling.Add(1)
	defer c.handling.Add(-1)
	return c.h.ServeRPC(c.ctx, m)
}

// queue is the per-connection FIFO between the reader and the handler. It
// is unbounded so the reader never blocks behind a handler.
type queue struct {
	mu    sync.Mutex
	items []*Message
	wake  chan struct{}
}

func (q *queue) push(m *Message) {
	q.mu.Lock()
	q.items = append(q.items, m)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *queue) tryPop() (*Message, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return nil, false
	}
	m := q.items[0]
	q.items[0] = nil
	q.items = q.items[1:]
	return m, true
}

func (q *queue) pop(done <-chan struct{}) (*Message, bool) {
	for {
		if m, ok := q.tryPop(); ok {
			return m, true
		}
		select {
		case <-q.wake:
		case <-done:
			return nil, false
		}
	}
}
