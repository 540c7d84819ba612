package node

import (
	"os"
	"time"

	"github.com/agd-project/agd/flightrec"
)

// Options are `agd start`'s own settings, read by the command from its
// flags and app.toml, so that this package needs neither cobra nor the
// names of app.toml's keys.
type Options struct {
	Kernel KernelOptions
	// FlightRecorder is app.toml's [flight-recorder] retention policy.
	FlightRecorder flightrec.Policy
	// Slogfile is app.toml's [swingset] slogfile: a file the kernel also
	// writes its slog to, relative to the home folder; "" for none. The
	// SLOGFILE environment variable, when set, wins.
	Slogfile string
	// Versions names agd's build (agd, agdCommit, go, cosmos-sdk,
	// cometbft) in a consensus-failure dump.
	Versions map[string]string
	// Signals delivers the first SIGINT or SIGTERM, which may have arrived
	// before Run was called; ReleaseSignals gives both back their default
	// action once one came, so that a second one stops agd at once.
	Signals        <-chan os.Signal
	ReleaseSignals func()
}

// KernelOptions say which kernel to run and how long to wait for it.
type KernelOptions struct {
	// Split is the kernel command: "" (agd refuses to start without its
	// kernel), SplitDefault (the pinned Node.js on the agvm folder's
	// src/main.js), or a command line split at spaces, without a shell.
	Split string
	// AgvmDir is the agvm folder; "" looks next to the binary, then
	// upward from the working directory.
	AgvmDir string
	// InitTimeout bounds swingset.Init; CallTimeout each block call.
	InitTimeout time.Duration
	CallTimeout time.Duration
}

// The start flags' names. cmd/agd defines the flags; this package's errors
// name them, so that an operator reads which one to change.
const (
	FlagSplit             = "split"
	FlagAgvmDir           = "agvm-dir"
	FlagKernelInitTimeout = "kernel-init-timeout"
	FlagKernelCallTimeout = "kernel-call-timeout"
)

// SplitDefault is what a bare --split stands for: the default kernel
// command.
const SplitDefault = "default"

// ExitError is a stop that wants an exit code other than 1: the lifecycle
// machine's code, or exitConsensusFailure after an AppHash mismatch, so
// that scripts can tell a diverged node from any other failure.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode is the process exit code the stop wants.
func (e *ExitError) ExitCode() int { return e.Code }
