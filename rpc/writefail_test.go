package rpc

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestCallWriteFailure: a write that breaks the pipe closes the connection
// with the write's error, and the call says so; a write that fails because
// the connection was closed meanwhile (here: while the write waited on a
// full pipe) reports the close's cause, which is why the write failed.
func TestCallWriteFailure(t *testing.T) {
	t.Run("broken pipe", func(t *testing.T) {
		rd, peerW, _ := os.Pipe()
		peerR, wr, _ := os.Pipe()
		defer peerW.Close()
		peerR.Close() // nobody will read what the connection writes
		c := NewConn(rd, wr, nil, WithLogger(discardLogger()))
		defer c.Close()
		err := c.Call(context.Background(), "x.Y", map[string]int{"a": 1}, nil)
		if !errors.Is(err, syscall.EPIPE) || !errors.Is(c.Err(), syscall.EPIPE) {
			t.Fatalf("Call on a broken pipe = %v, Err() = %v; want both EPIPE", err, c.Err())
		}
	})
	t.Run("closed while writing", func(t *testing.T) {
		rd, peerW, _ := os.Pipe()
		peerR, wr, _ := os.Pipe()
		defer peerW.Close()
		defer peerR.Close() // open, never read: the pipe fills
		c := NewConn(rd, wr, nil, WithLogger(discardLogger()))
		pipeSize, err := unix.FcntlInt(peerR.Fd(), unix.F_GETPIPE_SZ, 0) // not wr.Fd(): that would make the write blocking
		if err != nil {
			t.Fatal(err)
		}
		errc := make(chan error, 1)
		go func() {
			errc <- c.Call(context.Background(), "x.Y", map[string]string{"a": strings.Repeat("x", 2*pipeSize)}, nil)
		}()
		// The call's write waits once the pipe holds pipeSize bytes.
		deadline := time.Now().Add(10 * time.Second)
		for {
			n, err := unix.IoctlGetInt(int(peerR.Fd()), unix.TIOCINQ) // FIONREAD: bytes waiting in the pipe
			if err != nil {
				t.Fatal(err)
			}
			if n >= pipeSize {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the pipe holds %d of %d bytes; the write never waited", n, pipeSize)
			}
			time.Sleep(5 * time.Millisecond)
		}
		shutdown := errors.New("agd is shutting down")
		c.CloseWithCause(shutdown)
		select {
		case err := <-errc:
			if !errors.Is(err, shutdown) {
				t.Fatalf("Call whose write the close cut = %v, want the close's cause %q", err, shutdown)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the close did not end the waiting write")
		}
	})
}
