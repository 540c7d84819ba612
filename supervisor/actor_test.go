package supervisor

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/oklog/run"
)

// TestActorKernelDies: a kernel that dies stops the group with an error
// naming its status and stderr.
func TestActorKernelDies(t *testing.T) {
	k := startKernel(t, nil, "/bin/sh", "-c", "echo 'out of cheese' >&2; exit 7")
	var g run.Group
	g.Add(k.Actor())
	stop := make(chan struct{})
	g.Add(func() error { <-stop; return nil }, func(error) { close(stop) })

	errc := make(chan error, 1)
	go func() { errc <- g.Run() }()
	var err error
	select {
	case err = <-errc:
	case <-time.After(10 * time.Second):
		t.Fatal("group did not stop when the kernel died")
	}
	var exitErr *ExitError
	if !errors.As(err, &exitErr) {
		t.Fatalf("group returned %v, want an *ExitError", err)
	}
	if exitErr.Status.Code() != 7 || !strings.Contains(err.Error(), "out of cheese") {
		t.Errorf("group returned %q, want exit code 7 and the stderr line", err)
	}
}

// TestActorInterrupted: when another actor ends the group, the kernel is
// stopped gracefully and its actor reports no error of its own.
func TestActorInterrupted(t *testing.T) {
	k, err := Start(Config{
		Argv:      []string{"/bin/sh", script(t, "polite.sh")},
		StateDir:  t.TempDir(),
		StopGrace: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Stop(0); k.ToKernel().Close(); k.FromKernel().Close() })
	if line := newLineReader(k.FromKernel()).next(t); line != "ready" {
		t.Fatalf("polite.sh said %q", line)
	}

	execute, interrupt := k.Actor()
	kernelErr := make(chan error, 1)
	sentinel := errors.New("agd is shutting down")
	var g run.Group
	g.Add(func() error { err := execute(); kernelErr <- err; return err }, interrupt)
	g.Add(func() error { return sentinel }, func(error) {})
	if err := g.Run(); err != sentinel {
		t.Errorf("group returned %v, want %v", err, sentinel)
	}
	if err := <-kernelErr; err != nil {
		t.Errorf("kernel actor returned %v after a requested stop", err)
	}
	if st := k.ExitStatus(); !st.Exited() || st.Code() != 0 {
		t.Errorf("kernel ended %v, want a graceful exit 0", st)
	}
}

// TestActorDefaultGrace: a Config without StopGrace gives the kernel
// DefaultStopGrace to finish after SIGTERM, not zero: a kernel that needs
// 300ms to wind down exits by itself instead of being killed.
func TestActorDefaultGrace(t *testing.T) {
	k := startKernel(t, nil, "/bin/sh", "-c",
		`trap 'sleep 0.3; exit 0' TERM; echo ready >&5; while :; do sleep 0.1; done`)
	if line := newLineReader(k.FromKernel()).next(t); line != "ready" {
		t.Fatalf("kernel said %q", line)
	}
	execute, interrupt := k.Actor()
	interrupt(nil)
	if err := execute(); err != nil {
		t.Errorf("kernel actor returned %v after a requested stop", err)
	}
	if st := k.ExitStatus(); !st.Exited() || st.Code() != 0 {
		t.Errorf("kernel ended %v, want exit code 0 within the default grace", st)
	}
}
