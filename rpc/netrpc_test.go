package rpc

import (
	"context"
	"errors"
	"io"
	netrpc "net/rpc"
	"net/rpc/jsonrpc"
	"os"
	"strings"
	"testing"
	"time"
)

// pipeEnd joins a read and a write end into what net/rpc wants.
type pipeEnd struct {
	io.Reader
	io.Writer
	r, w *os.File
}

func (p pipeEnd) Close() error { p.r.Close(); return p.w.Close() }

// pipePair returns our ends (rd, wr) and the other side's.
func pipePair(t *testing.T) (rd, wr *os.File, other pipeEnd) {
	t.Helper()
	otherR, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	rd, otherW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { otherR.Close(); otherW.Close() })
	return rd, wr, pipeEnd{otherR, otherW, otherR, otherW}
}

// TestNetRPCClientCallsUs: Go's JSON-RPC 1.0 client (which numbers from 0)
// calls methods we serve and reads our result and error shapes.
func TestNetRPCClientCallsUs(t *testing.T) {
	rd, wr, other := pipePair(t)
	c := NewConn(rd, wr, testMux(&record{}), WithLogger(discardLogger()))
	defer c.Close()
	client := jsonrpc.NewClient(other)
	defer client.Close()

	for i := range 3 {
		var sum int
		if err := client.Call("go.Add", addParams{A: i, B: 10}, &sum); err != nil || sum != i+10 {
			t.Fatalf("call %d: go.Add = %d, %v; want %d", i, sum, err, i+10)
		}
	}
	// net/rpc/jsonrpc only understands string errors; ours is the pinned
	// object, which it reports verbatim (and then gives up the connection).
	err := client.Call("go.Fail", struct{}{}, nil)
	if err == nil || !strings.Contains(err.Error(), "code:-32002") || !strings.Contains(err.Error(), "message:no block in progress") {
		t.Fatalf("go.Fail: %v, want our error object", err)
	}
}

// Arith is a net/rpc service; net/rpc wants exported types.
type Arith struct{}

type ArithArgs struct {
	A int `json:"a"`
	B int `json:"b"`
}

func (Arith) Add(p ArithArgs, sum *int) error { *sum = p.A + p.B; return nil }
func (Arith) Fail(p ArithArgs, _ *int) error  { return errors.New("boom") }

// TestWeCallNetRPCServer: Go's JSON-RPC 1.0 server answers our requests;
// its string errors come back as *Error.
func TestWeCallNetRPCServer(t *testing.T) {
	rd, wr, other := pipePair(t)
	server := netrpc.NewServer()
	if err := server.RegisterName("Arith", Arith{}); err != nil {
		t.Fatal(err)
	}
	go server.ServeCodec(jsonrpc.NewServerCodec(other))
	c := NewConn(rd, wr, nil, WithLogger(discardLogger()))
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	var sum int
	if err := c.Call(ctx, "Arith.Add", ArithArgs{A: 2, B: 3}, &sum); err != nil || sum != 5 {
		t.Fatalf("Arith.Add = %d, %v; want 5", sum, err)
	}
	var e *Error
	if err := c.Call(ctx, "Arith.Fail", ArithArgs{}, nil); !errors.As(err, &e) || e.Message != "boom" {
		t.Fatalf("Arith.Fail: %v, want *Error boom", err)
	}
	if err := c.Call(ctx, "Arith.Nope", ArithArgs{}, nil); !errors.As(err, &e) || !strings.Contains(e.Message, "can't find method") {
		t.Fatalf("Arith.Nope: %v", err)
	}
}
