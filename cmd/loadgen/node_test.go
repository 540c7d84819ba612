package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeAgd writes a shell script standing in for agd: `localnet init`
// succeeds, `start` runs startBody.
func fakeAgd(t *testing.T, startBody string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "agd")
	script := "#!/bin/sh\ncase \"$1\" in\nlocalnet) exit 0;;\nstart)\n" + startBody + "\n;;\nesac\nexit 2\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// trapThenReady is a fake `start` that runs onTerm at SIGTERM; it creates
// its SLOGFILE once the trap is set, so the test knows when to signal.
func trapThenReady(onTerm string) string {
	return "trap '" + onTerm + "' TERM\n: > \"$SLOGFILE\"\nwhile :; do sleep 0.05; done"
}

// awaitReady waits for the SLOGFILE of each of n fake nodes under dir.
func awaitReady(t *testing.T, dir string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; i < n; i++ {
		for {
			if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("node%d.slog.jsonl", i))); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("fake node%d never set its trap", i)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// A node that dies at start fails the run at once, naming its exit status
// and log, instead of waiting out the 2-minute readiness timeout.
func TestNodeDyingAtStartFailsPromptly(t *testing.T) {
	agd := fakeAgd(t, "echo 'fake agd: cannot start' >&2; exit 7")
	o, err := parseFlags([]string{"--agd", agd, "--out", t.TempDir(), "--transfer", "1/s:1s"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t0 := time.Now()
	err = run(ctx, o)
	took := time.Since(t0)
	if err == nil {
		t.Fatal("run succeeded with a node that exited at start")
	}
	if !errors.Is(err, errNodeExited) || !strings.Contains(err.Error(), "node0 exited (exit status 7)") || !strings.Contains(err.Error(), "node0.log") {
		t.Fatalf("error %q does not name node0's exit status 7 and its log", err)
	}
	if took > 10*time.Second {
		t.Fatalf("run took %s to notice a node that died at start", took)
	}
}

// A node that exits non-zero when loadgen stops it is an error of the stop,
// and a node that exits on its own during the run is reported as it happens.
func TestNodeExitsAreErrors(t *testing.T) {
	t.Run("non-zero after SIGTERM", func(t *testing.T) {
		agd := fakeAgd(t, trapThenReady("exit 5"))
		dir := t.TempDir()
		c, err := startLocalChain(context.Background(), agd, dir, 2, time.Second, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		awaitReady(t, dir, 2)
		errs := c.stop()
		if len(errs) != 2 {
			t.Fatalf("stop returned %v, want one error per node", errs)
		}
		for i, e := range errs {
			if want := fmt.Sprintf("node%d exited (exit status 5)", i); !strings.Contains(e.Error(), want) {
				t.Errorf("stop error %q lacks %q", e, want)
			}
		}
		if again := c.stop(); len(again) != 2 {
			t.Errorf("a second stop returned %v", again)
		}
	})
	t.Run("non-zero on its own after the run, before stop", func(t *testing.T) {
		agd := fakeAgd(t, "exit 6")
		c, err := startLocalChain(context.Background(), agd, t.TempDir(), 1, time.Second, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		<-c.nodes[0].done // it has exited; nobody watched
		errs := append(c.stop(), c.unreportedExits()...)
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), "node0 exited (exit status 6)") {
			t.Fatalf("stop and unreportedExits returned %v, want node0's exit status 6 once", errs)
		}
	})
	t.Run("zero after SIGTERM", func(t *testing.T) {
		agd := fakeAgd(t, trapThenReady("exit 0"))
		dir := t.TempDir()
		c, err := startLocalChain(context.Background(), agd, dir, 1, time.Second, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		awaitReady(t, dir, 1)
		if errs := c.stop(); len(errs) != 0 {
			t.Fatalf("a clean stop returned %v", errs)
		}
	})
	t.Run("exit on its own during the run", func(t *testing.T) {
		agd := fakeAgd(t, "sleep 0.3; exit 0")
		c, err := startLocalChain(context.Background(), agd, t.TempDir(), 1, time.Second, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.stop()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = c.watchExits(ctx)
		if !errors.Is(err, errNodeExited) || !strings.Contains(err.Error(), "node0 exited (exit status 0)") {
			t.Fatalf("watchExits returned %v", err)
		}
		if errs := c.stop(); len(errs) != 0 {
			t.Fatalf("stop repeated an exit already reported: %v", errs)
		}
	})
}
