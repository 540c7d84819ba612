package main

import (
	"errors"
	"fmt"
	"os/exec"
	"sync/atomic"
	"syscall"
	"time"
)

// node is one `agd start` process loadgen started. A goroutine waits on it
// from the moment it starts, so its exit is known as soon as it happens:
// exec.Cmd.ProcessState is only set by Wait, so polling it without one
// never sees a node die.
type node struct {
	name string
	cmd  *exec.Cmd
	log  string // where its output goes, named in every error about it

	done     chan struct{} // closed once Wait has returned
	err      error         // Wait's result; read only after done
	stopping atomic.Bool   // loadgen sent SIGTERM: an exit is expected
	ownExit  atomic.Bool   // it ended before that, and was sent on exited
}

// startNode starts cmd and reports the node on exited when it ends, unless
// loadgen itself was stopping it.
func startNode(name string, cmd *exec.Cmd, logPath string, exited chan<- *node) (*node, error) {
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	n := &node{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		n.err = cmd.Wait()
		if !n.stopping.Load() {
			n.ownExit.Store(true)
			exited <- n // buffered for every node: never blocks
		}
		close(n.done)
	}()
	return n, nil
}

// exitError says how the node ended. Call it only after done is closed.
func (n *node) exitError() error {
	status := "exit status 0"
	if n.err != nil {
		status = n.err.Error()
	}
	return fmt.Errorf("%s exited (%s); see %s", n.name, status, n.log)
}

// stop sends SIGTERM and waits up to grace for the node to end. Any
// non-zero exit is an error: agd stops with 0 when it shut down cleanly. A
// node that had already ended on its own was sent on exited, and whoever
// reads that reports it, so stop does not repeat it.
func (n *node) stop(grace time.Duration) error {
	n.stopping.Store(true)
	select {
	case <-n.done:
	default:
		_ = n.cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-n.done:
	case <-time.After(grace):
		_ = n.cmd.Process.Kill()
		<-n.done
		return fmt.Errorf("%s did not stop within %s of SIGTERM and was killed; see %s", n.name, grace, n.log)
	}
	if n.err != nil && !n.ownExit.Load() {
		return n.exitError()
	}
	return nil
}

// errNodeExited marks a node that ended while loadgen still needed it.
var errNodeExited = errors.New("a node exited on its own")
