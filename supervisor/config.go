package supervisor

import "time"

// Logger is the part of a structured logger the supervisor needs. It is
// deliberately tiny so that cosmossdk.io/log's Logger satisfies it without
// this package importing the SDK.
type Logger interface {
	Info(msg string, keyvals ...any)
	Error(msg string, keyvals ...any)
}

// DefaultStopGrace is how long Actor's interrupt lets the kernel finish its
// in-flight work after SIGTERM before it is killed. A kernel that was asked
// to stop mid-commit needs time to make the block durable; a kernel that
// hangs must not hold the node hostage forever.
const DefaultStopGrace = 10 * time.Second

// Config says how to start a kernel.
type Config struct {
	// Argv is the kernel's command line, run without a shell. A first word
	// containing a slash is made absolute against agd's working directory,
	// because the child runs in StateDir. Later words are passed as they are.
	Argv []string

	// StateDir is where the kernel keeps durable state. It is created
	// (0700) if missing, becomes the child's working directory, and is
	// passed as AGVM_STATE_DIR.
	StateDir string

	// Env is the child's base environment; nil means agd's own. The
	// transport variables are added to it.
	Env []string

	// Logger receives the kernel's stdout and stderr, one entry per line.
	// Nil discards them (the stderr tail is still kept).
	Logger Logger

	// StopGrace is the grace period used by Actor's interrupt; zero means
	// DefaultStopGrace.
	StopGrace time.Duration
}
