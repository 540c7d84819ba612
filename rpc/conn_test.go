package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestNestedCalls: Go calls the peer, which calls Go, whose handler calls
// the peer again, and so on; each side waits for the other's answer while
// serving it. A deadlock shows as the deadline.
func TestNestedCalls(t *testing.T) {
	p := startPeer(t, nil)
	c, _ := newTestConn(t, p, testMux(&record{}))
	var got []int
	err := c.Call(ctxFor(t, 10*time.Second), "test.Call", map[string]any{"method": "go.Nested", "params": map[string]int{"depth": 5}}, &got)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 1, 2, 3, 4, 5}; !slices.Equal(got, want) {
		t.Fatalf("nested results %v, want %v", got, want)
	}
}

// TestArrivalOrder: requests and notifications fired without waiting are
// handled one at a time in the order they arrived.
func TestArrivalOrder(t *testing.T) {
	p := startPeer(t, nil)
	rec := &record{}
	c, _ := newTestConn(t, p, testMux(rec))
	const n = 500
	if err := c.Call(ctxFor(t, 10*time.Second), "test.Burst", map[string]any{"method": "go.Record", "count": n}, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Call(ctxFor(t, 10*time.Second), "test.Echo", map[string]any{}, nil); err != nil { // notifications are handled by now
		t.Fatal(err)
	}
	got := rec.get()
	if len(got) != n {
		t.Fatalf("handled %d, want %d", len(got), n)
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("handled %d at position %d: order is not arrival order", v, i)
		}
	}
}

// TestCloseCausePendingCalls: when the peer dies, the call waiting on it
// and Err both report EOF, not a bare "closed".
func TestCloseCausePendingCalls(t *testing.T) {
	p := startPeer(t, nil)
	c, _ := newTestConn(t, p, nil)
	ctx := ctxFor(t, 10*time.Second)
	pending := make(chan error, 1)
	go func() { pending <- c.Call(ctx, "test.Sleep", map[string]int{"ms": 30000}, nil) }()
	if err := c.Call(ctx, "test.Exit", map[string]int{"code": 3}, nil); err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	err := <-pending
	if !errors.Is(err, io.EOF) {
		t.Fatalf("pending call failed with %v, want io.EOF", err)
	}
	<-c.Done()
	if !errors.Is(c.Err(), io.EOF) {
		t.Fatalf("Err() = %v, want io.EOF", c.Err())
	}
	if err := c.Call(ctx, "test.Echo", map[string]any{}, nil); !errors.Is(err, io.EOF) {
		t.Fatalf("call after close: %v, want io.EOF", err)
	}
}

// TestCloseWithCause: a cause the supervisor knows (the kernel was killed)
// reaches the pending call.
func TestCloseWithCause(t *testing.T) {
	p := startPeer(t, nil)
	c, _ := newTestConn(t, p, nil)
	killed := errors.New("kernel exited: signal: killed")
	pending := make(chan error, 1)
	go func() { pending <- c.Call(ctxFor(t, 10*time.Second), "test.Sleep", map[string]int{"ms": 30000}, nil) }()
	time.Sleep(50 * time.Millisecond)
	c.CloseWithCause(killed)
	if err := <-pending; !errors.Is(err, killed) {
		t.Fatalf("pending call: %v, want %v", err, killed)
	}
	if !errors.Is(c.Err(), killed) {
		t.Fatalf("Err() = %v", c.Err())
	}
}

// TestLongLineClosesConnection: a line over the maximum is a protocol
// error naming its first 200 bytes, returned and logged.
func TestLongLineClosesConnection(t *testing.T) {
	p := startPeer(t, nil)
	c, logs := newTestConn(t, p, testMux(&record{}), WithMaxLine(4096))
	pad := strings.Repeat("y", 8000)
	err := c.Call(ctxFor(t, 10*time.Second), "test.Send", map[string]any{"messages": []any{
		map[string]any{"id": nil, "method": "go.Record", "params": []any{map[string]string{"pad": pad}}},
	}}, nil)
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		t.Fatalf("call: %v, want a *ProtocolError", err)
	}
	wantHead := (`{"id":null,"method":"go.Record","params":[{"pad":"` + pad)[:200]
	if string(pe.Head) != wantHead || pe.Code != CodeParseError || !strings.Contains(pe.Reason, "4096") {
		t.Fatalf("protocol error %+v; want code %d, head %q", pe, CodeParseError, wantHead)
	}
	if !errors.As(c.Err(), &pe) {
		t.Fatalf("Err() = %v", c.Err())
	}
	if !strings.Contains(logs.String(), "go.Record") {
		t.Fatalf("log does not show the line's head:\n%s", logs)
	}
}

// TestNotJSONClosesConnection: garbage is -32700 and closes.
func TestNotJSONClosesConnection(t *testing.T) {
	rd, peerW, _ := os.Pipe()
	peerR, wr, _ := os.Pipe()
	defer peerR.Close()
	c := NewConn(rd, wr, nil, WithLogger(discardLogger()))
	defer c.Close()
	peerW.WriteString("{\"id\":1,\"method\":\"x\",\"params\":[{}]}garbage\n")
	<-c.Done()
	var pe *ProtocolError
	if !errors.As(c.Err(), &pe) || pe.Code != CodeParseError {
		t.Fatalf("Err() = %v, want -32700", c.Err())
	}
}

// TestCallDeadline: ctx bounds a call; the late answer is dropped and the
// connection carries on.
func TestCallDeadline(t *testing.T) {
	p := startPeer(t, nil)
	c, _ := newTestConn(t, p, nil)
	start := time.Now()
	err := c.Call(ctxFor(t, 100*time.Millisecond), "test.Sleep", map[string]int{"ms": 300}, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("call: %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Fatalf("call returned after %v, not at its deadline", d)
	}
	time.Sleep(300 * time.Millisecond) // the late answer arrives
	var got map[string]int
	if err := c.Call(ctxFor(t, 5*time.Second), "test.Echo", map[string]int{"k": 1}, &got); err != nil || got["k"] != 1 {
		t.Fatalf("call after a timeout: %v, %v", got, err)
	}
}

// TestSlowPeer: a peer writing one byte at a time is read correctly in
// both a request and a response.
func TestSlowPeer(t *testing.T) {
	p := startPeer(t, nil)
	c, _ := newTestConn(t, p, testMux(&record{}))
	var got int
	err := c.Call(ctxFor(t, 20*time.Second), "test.Slow", map[string]any{"method": "go.Add", "params": map[string]int{"a": 40, "b": 2}, "delayMs": 1}, &got)
	if err != nil || got != 42 {
		t.Fatalf("slow round trip = %d, %v; want 42", got, err)
	}
}

// TestTypedParams: what a peer gets for missing, ill-typed and unknown.
func TestTypedParams(t *testing.T) {
	p := startPeer(t, nil)
	c, _ := newTestConn(t, p, testMux(&record{}))
	ctx := ctxFor(t, 10*time.Second)
	for _, tc := range []struct {
		method string
		params any
		code   int64
		field  string
	}{
		{"go.Add", map[string]any{"a": 1}, CodeInvalidParams, "b"},
		{"go.Add", map[string]any{"a": "1", "b": 2}, CodeInvalidParams, "a"},
		{"go.Add", map[string]any{"a": 1, "b": 2, "c": []int{}}, CodeInvalidParams, "c"},
		{"go.Add", map[string]any{"a": 1, "b": 2, "extra": true}, 0, ""},
		{"go.Missing", map[string]any{}, CodeMethodNotFound, ""},
		{"go.Broken", map[string]any{}, CodeInternalError, ""},
	} {
		err := c.Call(ctx, "test.Call", map[string]any{"method": tc.method, "params": tc.params}, nil)
		if tc.code == 0 {
			if err != nil {
				t.Errorf("%s %v: %v", tc.method, tc.params, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != tc.code {
			t.Errorf("%s %v: %v, want code %d", tc.method, tc.params, err, tc.code)
			continue
		}
		if tc.field != "" {
			var data struct{ Field string }
			json.Unmarshal(e.Data, &data)
			if data.Field != tc.field || !strings.Contains(e.Message, `"`+tc.field+`"`) {
				t.Errorf("%s %v: %q data %s, want field %q named", tc.method, tc.params, e.Message, e.Data, tc.field)
			}
		}
	}
}

// TestErrorCodesFromPeer: callers tell the kernel's codes apart.
func TestErrorCodesFromPeer(t *testing.T) {
	p := startPeer(t, nil)
	c, _ := newTestConn(t, p, nil)
	err := c.Call(ctxFor(t, 10*time.Second), "test.Fail", map[string]any{"code": CodeShuttingDown, "message": "shutting down"}, nil)
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeShuttingDown || e.Message != "shutting down" {
		t.Fatalf("got %v, want -32001 shutting down", err)
	}
}

// TestParamsMustBeObject: the pinned shape is checked before sending.
func TestParamsMustBeObject(t *testing.T) {
	p := startPeer(t, nil)
	c, _ := newTestConn(t, p, nil)
	if err := c.Call(ctxFor(t, 10*time.Second), "test.Echo", []int{1}, nil); err == nil || !strings.Contains(err.Error(), "object") {
		t.Fatalf("array params: %v, want an error", err)
	}
	if err := c.Call(ctxFor(t, 10*time.Second), "test.Echo", map[string]int{}, nil); err != nil {
		t.Fatalf("connection unusable after a refused call: %v", err)
	}
}
