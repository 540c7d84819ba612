// Package stopsignal holds SIGINT and SIGTERM for agd from the first moment
// its own code runs.
//
// A Go program dies on SIGTERM until something calls signal.Notify. agd's
// start-up (loading its packages, reading config, opening stores, starting
// the kernel child and its handshake) takes long enough that a signal then
// would kill agd half-way, leaving a kernel child and open stores behind, and
// an exit status a process manager reads as a crash. Registering in this
// package's init shrinks that window to the Go runtime's own start: the
// package imports only os/signal and what it needs, so Go initialises it
// before the cosmos-sdk and CometBFT packages, whose initialisation alone
// takes about 100 ms.
//
// The registration is package state because a signal disposition is process
// state, and only an init function runs early enough.
package stopsignal

import (
	"os"
	"os/signal"
	"syscall"
	"time"
)

// caught holds the first SIGINT or SIGTERM until the command that runs
// takes it; later ones are dropped, since one is enough to stop.
var caught = make(chan os.Signal, 1)

func init() {
	signal.Notify(caught, syscall.SIGINT, syscall.SIGTERM)
}

// Caught is where the first SIGINT or SIGTERM since the process started
// arrives. Only a command that stops gracefully should read it, and it should
// call Release once it has its signal, so that a second one stops agd at once.
func Caught() <-chan os.Signal { return caught }

// Release gives SIGINT and SIGTERM back their default action, for commands
// with nothing to finish (and for a second signal once agd is stopping). A
// signal that was held and not taken gets its default action now, as if it
// had never been held: the process ends.
func Release() {
	signal.Stop(caught)
	select {
	case sig := <-caught:
		_ = syscall.Kill(os.Getpid(), sig.(syscall.Signal))
		// The default action ends the process; exit as it would have, should
		// the signal be blocked on every thread.
		time.Sleep(time.Second)
		os.Exit(128 + int(sig.(syscall.Signal)))
	default:
	}
}
