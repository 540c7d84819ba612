package node

import (
	"os"
	"sync"
	"syscall"
)

// shutdownRequest is `agd start`'s one reader of SIGINT and SIGTERM, from
// before anything starts until agd exits. Start-up asks it between steps;
// once the lifecycle driver exists the signal goes to the driver at once, so
// a signal during the kernel handshake or CometBFT's replay of stored blocks
// is decided by the same machine as one that comes while blocks are made.
type shutdownRequest struct {
	done chan struct{} // closed when the first signal arrives

	mu     sync.Mutex
	sig    os.Signal
	notify func(name string)
}

// listenForShutdown takes the first signal from caught, then calls release
// so that a second one stops agd at once, as an operator expects.
func listenForShutdown(caught <-chan os.Signal, release func()) *shutdownRequest {
	s := &shutdownRequest{done: make(chan struct{})}
	go func() {
		sig := <-caught
		release()
		s.mu.Lock()
		s.sig = sig
		close(s.done)
		notify := s.notify
		s.mu.Unlock()
		if notify != nil {
			notify(signalName(sig))
		}
	}()
	return s
}

// Done is closed once a signal has arrived.
func (s *shutdownRequest) Done() <-chan struct{} { return s.done }

// received returns the signal, if one has arrived.
func (s *shutdownRequest) received() (os.Signal, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sig, s.sig != nil
}

// forwardTo hands the signal's name to notify exactly once: now, if it has
// already arrived, or when it does.
func (s *shutdownRequest) forwardTo(notify func(name string)) {
	s.mu.Lock()
	s.notify = notify
	sig := s.sig
	s.mu.Unlock()
	if sig != nil {
		notify(signalName(sig))
	}
}

func signalName(sig os.Signal) string {
	switch sig {
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGINT:
		return "SIGINT"
	}
	return sig.String()
}
