package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/agd-project/agd/internal/proc"
)

// TestChainSkeleton is the chain skeleton's acceptance test: a one-validator
// localnet produces blocks, a bank transfer lands, and SIGTERM stops agd
// cleanly with nothing left running.
func TestChainSkeleton(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real chain")
	}
	ln := newLocalnet(t, 1)
	node := ln.start(t, 0, "--split")
	ln.waitHeight(t, 0, 3, 60*time.Second, node)

	recipient := testAddress(t, 7)
	tx := sendTx(t, ln, "bank", "send", "validator", recipient, "1234uist")
	if tx.Code != 0 {
		t.Fatalf("bank send failed in block %d: %s", tx.Height, tx.RawLog)
	}
	if got := balance(t, ln, recipient, "uist"); got != "1234" {
		t.Fatalf("recipient holds %s uist after the send, want 1234", got)
	}

	// The kernel must be found before its absence after the stop means
	// anything: agd's one child, node running the kernel's main.js.
	pid := node.cmd.Process.Pid
	kernel := kernelPid(t, node)
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", kernel))
	if err != nil {
		t.Fatalf("read kernel %d's command line: %v", kernel, err)
	}
	args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	if len(args) < 2 || filepath.Base(args[0]) != "node" || !strings.HasSuffix(args[1], filepath.Join("agvm", "src", "main.js")) {
		t.Fatalf("agd's child %d runs %q, not the kernel", kernel, args)
	}
	if err := node.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := node.waitExit(t, 30*time.Second); code != 0 {
		t.Fatalf("agd exited %d after SIGTERM, want 0", code)
	}
	if !strings.Contains(node.logText(), "shut down cleanly") {
		t.Errorf("log does not say agd shut down cleanly")
	}
	for _, p := range []int{kernel, pid} {
		if !proc.Gone(p) {
			t.Errorf("process %d still running after agd exited", p)
		}
	}
}

// balanceOf reads one denom's amount from `agd query bank balances -o json`.
func balanceOf(t *testing.T, out, denom string) string {
	t.Helper()
	var resp struct {
		Balances []struct{ Denom, Amount string } `json:"balances"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("decode balances %q: %v", out, err)
	}
	for _, b := range resp.Balances {
		if b.Denom == denom {
			return b.Amount
		}
	}
	return "0"
}

func lastJSONLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(strings.TrimSpace(lines[i]), "{") {
			return lines[i]
		}
	}
	return out
}

// TestBadInput checks that the operator's common mistakes get a clear error
// naming the problem and no stack trace.
func TestBadInput(t *testing.T) {
	t.Run("init over an existing home", func(t *testing.T) {
		home := t.TempDir()
		mustAgd(t, "init", "first", "--home", home, "--chain-id", "agd-bad")
		out, err := agd(t, "init", "second", "--home", home, "--chain-id", "agd-bad")
		expectCleanError(t, out, err, "already exists")
	})
	t.Run("localnet port clash", func(t *testing.T) {
		ln := newLocalnet(t, 1)
		node := ln.start(t, 0, "--split")
		ln.waitHeight(t, 0, 1, 60*time.Second, node)
		out, err := agd(t, "localnet", "init", "--validators", "1", "--dir", filepath.Join(t.TempDir(), "again"),
			"--base-port", fmt.Sprint(ln.basePort))
		expectCleanError(t, out, err, fmt.Sprintf("port %d (node0 p2p) is already in use", ln.basePort))
	})
	t.Run("unknown denom in add-genesis-account", func(t *testing.T) {
		home := t.TempDir()
		mustAgd(t, "init", "moniker", "--home", home, "--chain-id", "agd-bad")
		out, err := agd(t, "genesis", "add-genesis-account", testAddress(t, 9), "100ubdl",
			"--home", home, "--keyring-backend", "test")
		expectCleanError(t, out, err, `unknown denom "ubdl"`)
		genesis, readErr := os.ReadFile(filepath.Join(home, "config", "genesis.json"))
		if readErr != nil {
			t.Fatal(readErr)
		}
		if strings.Contains(string(genesis), "ubdl") {
			t.Errorf("genesis.json was changed despite the error")
		}
	})
	t.Run("start without --split", func(t *testing.T) {
		ln := newLocalnet(t, 1)
		node := ln.start(t, 0)
		if code := node.waitExit(t, 60*time.Second); code == 0 {
			t.Fatal("agd start without --split exited 0")
		}
		expectCleanError(t, node.logText(), errors.New("exit"), "agd start needs --split")
	})
	t.Run("localnet into a non-empty dir", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "keep"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := agd(t, "localnet", "init", "--dir", dir)
		expectCleanError(t, out, err, "already holds files")
	})
}

func expectCleanError(t *testing.T, out string, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("command succeeded, want an error containing %q:\n%s", want, out)
	}
	if !strings.Contains(out, want) {
		t.Errorf("error output does not contain %q:\n%s", want, out)
	}
	if strings.Contains(out, "goroutine ") || strings.Contains(out, "panic:") {
		t.Errorf("error output has a stack trace:\n%s", out)
	}
}
