package rpc

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestGoldenGoToNode pins the exact bytes Go writes, as the Node peer
// received them: requests from id 1, notifications with "id":null, both
// result and error in every response, no "jsonrpc" member.
func TestGoldenGoToNode(t *testing.T) {
	p, received := recordingPeer(t)
	c, _ := newTestConn(t, p, testMux(&record{}))
	ctx := ctxFor(t, 10*time.Second)

	var echo map[string]any
	if err := c.Call(ctx, "test.Echo", map[string]any{"amount": "654321", "html": "<&>"}, &echo); err != nil {
		t.Fatal(err)
	}
	if err := c.Notify(ctx, "vbank.BalanceUpdate", json.RawMessage(`{"nonce":123,"updates":[]}`)); err != nil {
		t.Fatal(err)
	}
	var sum int
	if err := c.Call(ctx, "test.Call", map[string]any{"method": "go.Add", "params": map[string]int{"a": 1, "b": 2}}, &sum); err != nil || sum != 3 {
		t.Fatalf("go.Add via peer = %d, %v; want 3", sum, err)
	}
	err := c.Call(ctx, "test.Call", map[string]any{"method": "go.Fail", "params": map[string]int{}}, nil)
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeNoBlock || string(e.Data) != `{"height":7}` {
		t.Fatalf("go.Fail via peer: %v, want code %d with data", err, CodeNoBlock)
	}
	err = c.Call(ctx, "test.Call", map[string]any{"method": "go.Nope", "params": map[string]int{}}, nil)
	if !errors.As(err, &e) || e.Code != CodeMethodNotFound {
		t.Fatalf("go.Nope via peer: %v, want code %d", err, CodeMethodNotFound)
	}

	want := []string{
		`{"id":1,"method":"test.Echo","params":[{"amount":"654321","html":"<&>"}]}`,
		`{"id":null,"method":"vbank.BalanceUpdate","params":[{"nonce":123,"updates":[]}]}`,
		`{"id":2,"method":"test.Call","params":[{"method":"go.Add","params":{"a":1,"b":2}}]}`,
		`{"id":1,"result":3,"error":null}`,
		`{"id":3,"method":"test.Call","params":[{"method":"go.Fail","params":{}}]}`,
		`{"id":2,"result":null,"error":{"code":-32002,"message":"no block in progress","data":{"height":7}}}`,
		`{"id":4,"method":"test.Call","params":[{"method":"go.Nope","params":{}}]}`,
		`{"id":3,"result":null,"error":{"code":-32601,"message":"method not found: go.Nope"}}`,
	}
	if got := received(); !slices.Equal(got, want) {
		t.Errorf("peer received:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestGoldenNodeToGo feeds Go the shapes a v1 peer may write: a missing
// id, unknown members, a response with no result, a string error.
func TestGoldenNodeToGo(t *testing.T) {
	p, received := recordingPeer(t)
	rec := &record{}
	c, logs := newTestConn(t, p, testMux(rec))
	ctx := ctxFor(t, 10*time.Second)

	// Call 1 is answered first by a v1 response with a string error and no
	// result member; the peer's own later answer to id 1 is a stray.
	err := c.Call(ctx, "test.Send", map[string]any{"messages": []any{
		map[string]any{"id": 1, "error": "boom"},
	}}, nil)
	var e *Error
	if !errors.As(err, &e) || e.Message != "boom" || e.Code != 0 {
		t.Fatalf("string error: got %v, want *Error with message boom", err)
	}
	// Call 2 is answered by a response with neither result nor error.
	var got any = "unset"
	if err := c.Call(ctx, "test.Send", map[string]any{"messages": []any{
		map[string]any{"id": 2, "error": nil},
	}}, &got); err != nil || got != nil {
		t.Fatalf("response without result: got %v, %v; want nil result", got, err)
	}
	if err := c.Call(ctx, "test.Send", map[string]any{"messages": []any{
		map[string]any{"method": "go.Record", "params": []any{map[string]int{"n": 1}}},
		map[string]any{"id": nil, "method": "go.Record", "params": []any{map[string]int{"n": 2}}, "extra": []int{1}},
		map[string]any{"jsonrpc": "2.0", "id": 70, "method": "go.Record", "params": []any{map[string]int{"n": 3}}, "meta": map[string]any{}},
		map[string]any{"id": "s-1", "method": "go.Record", "params": []any{map[string]int{"n": 4}}},
	}}, nil); err != nil {
		t.Fatal(err)
	}
	// Responses reach their callers directly while requests wait in the
	// handler queue, so call 3's answer may come back before the four
	// messages are handled: wait for them.
	ns := rec.get()
	for deadline := time.Now().Add(5 * time.Second); len(ns) < 4 && time.Now().Before(deadline); ns = rec.get() {
		time.Sleep(10 * time.Millisecond)
	}
	if !slices.Equal(ns, []int{1, 2, 3, 4}) {
		t.Errorf("go.Record saw %v, want [1 2 3 4]", ns)
	}
	// The answers to 70 and s-1 are written by the handler goroutine and may
	// reach the peer after the barrier's request did; wait for them.
	wantAnswers := []string{`{"id":70,"result":3,"error":null}`, `{"id":"s-1","result":4,"error":null}`}
	lines := received()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); lines = received() {
		if slices.Contains(lines, wantAnswers[0]) && slices.Contains(lines, wantAnswers[1]) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, want := range wantAnswers {
		if !slices.Contains(lines, want) {
			t.Errorf("peer did not receive %s; got:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	for _, l := range lines {
		if strings.Contains(l, `"result":1,`) || strings.Contains(l, `"result":2,`) {
			t.Errorf("a notification was answered: %s", l)
		}
	}
	if !strings.Contains(logs.String(), "no call waits") {
		t.Errorf("stray responses were not logged; log:\n%s", logs)
	}
	if c.Err() != nil {
		t.Fatalf("connection closed: %v", c.Err())
	}
}
