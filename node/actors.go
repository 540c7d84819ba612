package node

import (
	"errors"
	"fmt"

	"github.com/oklog/run"

	"github.com/agd-project/agd/lifecycle/driver"
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
