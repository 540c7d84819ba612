package node

import (
	"errors"
	"fmt"
	"sync"

	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/oklog/run"

	"github.com/agd-project/agd/lifecycle/driver"
	"github.com/agd-project/agd/metrics"
	"github.com/agd-project/agd/rpc"
)

// connActor ends when the connection to the kernel closes, with the cause:
// EOF (the kernel died) or a protocol error (it wrote something that is not
// the protocol). Interrupting it closes agd's end, which the kernel reads as
// "exit now".
func connActor(conn *rpc.Conn) (string, func() error, func(error)) {
	execute := func() error {
		<-conn.Done()
		if err := conn.Err(); err != nil && !errors.Is(err, rpc.ErrClosed) {
			return fmt.Errorf("connection to the kernel closed: %w", err)
		}
		return errors.New("connection to the kernel closed")
	}
	return "kernel-connection", execute, func(error) { _ = conn.Close() }
}

// kernelActor ends when the kernel process ends. Its death is fed to the
// lifecycle machine, which stops agd without committing anything further.
func kernelActor(k *runningKernel) (string, func() error, func(error)) {
	execute, interrupt := k.child.Actor()
	watched := func() error {
		err := execute()
		if err != nil {
			k.driver.KernelExited(k.child.ExitStatus().String())
		}
		return err
	}
	return "kernel", watched, interrupt
}

// lifecycleActor ends when the lifecycle machine decides to stop.
func lifecycleActor(d *driver.Driver) (string, func() error, func(error)) {
	quit := make(chan struct{})
	execute := func() error {
		select {
		case <-d.Stopped():
			stop, _ := d.Decision()
			return fmt.Errorf("lifecycle stop (exit code %d): %s", stop.ExitCode, stop.Reason)
		case <-quit:
			return nil
		}
	}
	return "lifecycle", execute, func(error) { close(quit) }
}

// signalActor ends when agd has had SIGTERM or SIGINT. The lifecycle
// machine already has the signal (shutdownRequest forwards it), so by then
// it has forwarded SIGTERM to the kernel and decided what is left to finish.
func signalActor(s *shutdownRequest) (string, func() error, func(error)) {
	quit := make(chan struct{})
	execute := func() error {
		select {
		case <-s.Done():
			sig, _ := s.received()
			return &run.SignalError{Signal: sig}
		case <-quit:
			return nil
		}
	}
	return "signals", execute, func(error) { close(quit) }
}

// nodeActor runs the CometBFT node until it is interrupted or stops by
// itself, which is always an error worth reporting.
func nodeActor(n *cmtnode.Node, m *metrics.Metrics) (string, func() error, func(error)) {
	interrupted := make(chan struct{})
	// mu orders Start against an interrupt that comes first (another part
	// stopped as the group started), so a node is never started and left.
	var mu sync.Mutex
	execute := func() error {
		mu.Lock()
		select {
		case <-interrupted:
			mu.Unlock()
			return nil
		default:
		}
		err := n.Start()
		mu.Unlock()
		if err != nil {
			return fmt.Errorf("start CometBFT node: %w", err)
		}
		select {
		case <-n.Quit():
			return errors.New("CometBFT node stopped on its own")
		case <-interrupted:
			return nil
		}
	}
	interrupt := func(error) {
		mu.Lock()
		close(interrupted)
		mu.Unlock()
		if n.IsRunning() {
			if err := n.Stop(); err != nil {
				n.Logger.Error("stopping CometBFT node", "err", err)
				m.Unpropagated(metrics.SiteCometStop)
			}
			n.Wait()
		}
	}
	return "cometbft", execute, interrupt
}

func describeExit(err error) string {
	if err == nil {
		return "interrupted by another part"
	}
	return err.Error()
}
