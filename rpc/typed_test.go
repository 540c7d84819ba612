package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
)

// TestMuxRegistersOnce: a method registered twice is a programming error
// that panics at startup, not a silent replacement of the first handler.
func TestMuxRegistersOnce(t *testing.T) {
	m := NewMux()
	HandleRaw(m, "a.B", func(context.Context, json.RawMessage) (any, error) { return 1, nil })
	defer func() {
		if p := recover(); p != "rpc: method registered twice: a.B" {
			t.Fatalf("second registration: recover() = %v", p)
		}
	}()
	HandleRaw(m, "a.B", func(context.Context, json.RawMessage) (any, error) { return 2, nil })
}

// TestMuxNotificationParams: a notification's params are decoded and
// checked as a request's are; bad ones never reach the handler.
func TestMuxNotificationParams(t *testing.T) {
	m := NewMux()
	var got []int
	HandleNotification(m, "n.Note", func(_ context.Context, p struct {
		N int `json:"n"`
	}) error {
		got = append(got, p.N)
		return nil
	})
	ctx := context.Background()
	if r, err := m.ServeRPC(ctx, &Message{Method: "n.Note", Params: []byte(`{"n":3}`)}); r != nil || err != nil {
		t.Fatalf("good params: %v, %v", r, err)
	}
	for _, params := range []string{`{}`, `{"n":"3"}`} {
		_, err := m.ServeRPC(ctx, &Message{Method: "n.Note", Params: []byte(params)})
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeInvalidParams {
			t.Errorf("params %s: %v, want code %d", params, err, CodeInvalidParams)
		}
	}
	if len(got) != 1 || got[0] != 3 {
		t.Fatalf("handler saw %v, want [3]", got)
	}
}

// TestCodesArePinned: the error codes are the wire contract's
// (PROTOCOL.md "Error codes"); the kernel sends the same numbers.
func TestCodesArePinned(t *testing.T) {
	for name, c := range map[string][2]int64{
		"ParseError":     {CodeParseError, -32700},
		"InvalidRequest": {CodeInvalidRequest, -32600},
		"MethodNotFound": {CodeMethodNotFound, -32601},
		"InvalidParams":  {CodeInvalidParams, -32602},
		"InternalError":  {CodeInternalError, -32603},
		"ShuttingDown":   {CodeShuttingDown, -32001},
		"NoBlock":        {CodeNoBlock, -32002},
		"HeightMismatch": {CodeHeightMismatch, -32003},
	} {
		if c[0] != c[1] {
			t.Errorf("Code%s = %d, want %d", name, c[0], c[1])
		}
	}
}
