package node

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/agd-project/agd/rpc"
)

// TestShutdownRequestForwardsOnce: the first signal releases the hold and
// reaches the forward exactly once, whether it came before the forward was
// set (start-up asks between steps) or after (the driver hears it at once).
func TestShutdownRequestForwardsOnce(t *testing.T) {
	for _, signalFirst := range []bool{true, false} {
		caught := make(chan os.Signal, 1)
		var released atomic.Int32
		s := listenForShutdown(caught, func() { released.Add(1) })
		if _, ok := s.received(); ok {
			t.Fatal("a signal received before any came")
		}
		forwarded := make(chan string, 2)
		if signalFirst {
			caught <- syscall.SIGINT
			<-s.Done()
			s.forwardTo(func(name string) { forwarded <- name })
		} else {
			s.forwardTo(func(name string) { forwarded <- name })
			caught <- syscall.SIGINT
			<-s.Done()
		}
		select {
		case name := <-forwarded:
			if name != "SIGINT" {
				t.Fatalf("forwarded %q, want SIGINT", name)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("signal first %v: nothing forwarded", signalFirst)
		}
		caught <- syscall.SIGTERM // a second one is not read: released, it would end agd
		time.Sleep(20 * time.Millisecond)
		if len(forwarded) != 0 || released.Load() != 1 {
			t.Fatalf("signal first %v: %d more forwards, %d releases; want 0 and 1", signalFirst, len(forwarded), released.Load())
		}
		if sig, ok := s.received(); !ok || sig != syscall.SIGINT {
			t.Fatalf("received %v %v, want SIGINT", sig, ok)
		}
	}
}

// TestSignalDuringKernelStart: a signal before the handshake or while
// swingset.Init is in flight is a clean stop during start-up, not a
// failure, and the kernel is stopped and reaped before startKernel returns.
func TestSignalDuringKernelStart(t *testing.T) {
	for _, stage := range []string{"before the handshake", "while swingset.Init is in flight"} {
		t.Run(stage, func(t *testing.T) {
			home := t.TempDir()
			script := filepath.Join(home, "kernel.sh")
			// Reads swingset.Init, says so, and never answers.
			if err := os.WriteFile(script, []byte("read -r line <&4\ntouch init-read\nexec sleep 60\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			caught := make(chan os.Signal, 1)
			shutdown := listenForShutdown(caught, func() {})
			if stage == "before the handshake" {
				caught <- syscall.SIGTERM
				<-shutdown.Done()
			} else {
				go func() {
					for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
						if _, err := os.Stat(filepath.Join(home, "data", "agvm", "init-read")); err == nil {
							caught <- syscall.SIGTERM
							return
						}
						time.Sleep(5 * time.Millisecond)
					}
				}()
			}
			opts := kernelOptions{split: "/bin/sh " + script, initTimeout: 30 * time.Second, callTimeout: time.Minute, metrics: testMetrics(t)}
			rk, err := startKernel(newRecLog(), home, "test", opts, noServices{}, 0, "", shutdown)
			var stop *shutDownInStartup
			if !errors.As(err, &stop) {
				if rk != nil {
					rk.abandon()
				}
				t.Fatalf("startKernel: %v, want a shutdown during start-up", err)
			}
			if stop.signal != "SIGTERM" || !strings.Contains(stop.kernel, "stopped (killed by signal SIGTERM)") {
				t.Fatalf("shutdown %+v: want SIGTERM and a kernel stopped by it", stop)
			}
		})
	}
}

// noServices registers no kernel→agd calls.
type noServices struct{}

func (noServices) RegisterKernelServices(*rpc.Mux) {}
