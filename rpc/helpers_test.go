package rpc

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agd-project/agd/rpc/internal/peer"
)

// startPeer runs testdata/peer.js with args and returns it; the test ends it.
func startPeer(t *testing.T, env []string, args ...string) *peer.Process {
	t.Helper()
	root, err := peer.RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	node, err := peer.Node(root)
	if err != nil {
		t.Skipf("no node: %v", err)
	}
	p, err := peer.Start(node, root, env, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Wr.Close()
		done := make(chan struct{})
		go func() { p.Cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			p.Cmd.Process.Kill()
			<-done
		}
		if t.Failed() && p.Stderr.Len() > 0 {
			t.Logf("peer stderr:\n%s", p.Stderr.Bytes())
		}
	})
	return p
}

// recordingPeer is a peer that writes every line it receives to a file.
func recordingPeer(t *testing.T) (*peer.Process, func() []string) {
	path := filepath.Join(t.TempDir(), "received.jsonl")
	p := startPeer(t, []string{"PEER_RECORD=" + path})
	return p, func() []string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}
}

type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// newTestConn connects to p, logging into the returned buffer.
func newTestConn(t *testing.T, p *peer.Process, h Handler, opts ...Option) (*Conn, *logBuffer) {
	logs := &logBuffer{}
	opts = append([]Option{WithLogger(slog.New(slog.NewTextHandler(logs, nil)))}, opts...)
	c := NewConn(p.Rd, p.Wr, h, opts...)
	t.Cleanup(func() { c.Close() })
	return c, logs
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

type addParams struct {
	A int `json:"a"`
	B int `json:"b"`
	C int `json:"c,omitempty"`
}

type recordParams struct {
	N int `json:"n"`
}

// record collects go.Record's params in the order handled.
type record struct {
	mu sync.Mutex
	ns []int
}

func (r *record) get() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.ns...)
}

// testMux serves the go.* methods peer.js calls back.
func testMux(rec *record) *Mux {
	m := NewMux()
	Handle(m, "go.Add", func(_ context.Context, p addParams) (int, error) { return p.A + p.B + p.C, nil })
	Handle(m, "go.Record", func(_ context.Context, p recordParams) (int, error) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.ns = append(rec.ns, p.N)
		return p.N, nil
	})
	Handle(m, "go.Fail", func(_ context.Context, p struct{}) (any, error) {
		return nil, &Error{Code: CodeNoBlock, Message: "no block in progress", Data: []byte(`{"height":7}`)}
	})
	Handle(m, "go.Broken", func(_ context.Context, p struct{}) (any, error) {
		return nil, errors.New("disk on fire")
	})
	type nested struct {
		Depth int `json:"depth"`
	}
	Handle(m, "go.Nested", func(ctx context.Context, p nested) ([]int, error) {
		if p.Depth == 0 {
			return []int{0}, nil
		}
		// Call back into the peer, which is itself waiting for this answer.
		var inner []int
		err := ConnFrom(ctx).Call(ctx, "test.Call", map[string]any{
			"method": "go.Nested", "params": nested{p.Depth - 1},
		}, &inner)
		return append(inner, p.Depth), err
	})
	return m
}
