package supervisor

import (
	"errors"
	"fmt"
	"golang.org/x/sys/unix"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The kernel's view of the transport (docs/protocol.md, "Transport").
const (
	toKernelFD   = 4 // agd → kernel; the kernel reads
	fromKernelFD = 5 // kernel → agd; the kernel writes
)

// Kernel is a running (or finished) kernel child.
type Kernel struct {
	argv       []string
	pid        int
	startTime  uint64 // field 22 of /proc/<pid>/stat; 0 if /proc was unreadable
	proc       *os.Process
	toKernel   *os.File
	fromKernel *os.File
	stderrTail *tailRing
	grace      time.Duration

	// mu is held while the child is reaped, and while it is signalled, so a
	// signal can never reach a PID the kernel has recycled after the reap.
	mu       sync.Mutex
	reaped   bool
	stopping bool                    // Stop was called; the exit is expected
	sent     map[syscall.Signal]bool // every signal agd sent the kernel

	done   chan struct{}
	status ExitStatus // written once, before done is closed
}

// Start starts the kernel described by cfg. On success the caller owns
// ToKernel and FromKernel and must close them; the Kernel never does,
// because the connection on top of them may still be reading the kernel's
// last words after the process is gone.
func Start(cfg Config) (*Kernel, error) {
	if len(cfg.Argv) == 0 || cfg.Argv[0] == "" {
		return nil, errors.New("supervisor: empty kernel command")
	}
	if cfg.StateDir == "" {
		return nil, errors.New("supervisor: no kernel state directory")
	}
	stateDir, err := filepath.Abs(cfg.StateDir)
	if err != nil {
		return nil, fmt.Errorf("supervisor: kernel state directory: %w", err)
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, fmt.Errorf("supervisor: kernel state directory: %w", err)
	}

	argv := append([]string(nil), cfg.Argv...)
	if strings.Contains(argv[0], "/") {
		// The child's working directory is the state dir, where a relative
		// path would resolve to something else.
		if argv[0], err = filepath.Abs(argv[0]); err != nil {
			return nil, fmt.Errorf("supervisor: kernel command: %w", err)
		}
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	if cmd.Err != nil {
		return nil, fmt.Errorf("supervisor: kernel command: %w", cmd.Err)
	}
	cmd.Dir = stateDir
	cmd.Env = kernelEnv(cfg.Env, stateDir)
	// cmd.Stdin stays nil: os/exec connects it to /dev/null.

	p, err := openPipes()
	if err != nil {
		return nil, fmt.Errorf("supervisor: %w", err)
	}
	cmd.Stdout = p.stdoutW
	cmd.Stderr = p.stderrW
	// ExtraFiles[i] becomes fd 3+i. The nil closes fd 3 in the child, which
	// Node would otherwise take for an IPC channel.
	cmd.ExtraFiles = []*os.File{nil, p.toKernelR, p.fromKernelW}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:   true,
		Pdeathsig: syscall.SIGKILL,
	}

	grace := cfg.StopGrace
	if grace <= 0 {
		grace = DefaultStopGrace
	}
	k := &Kernel{
		argv:       argv,
		toKernel:   p.toKernelW,
		fromKernel: p.fromKernelR,
		stderrTail: newTailRing(StderrTailLines),
		grace:      grace,
		done:       make(chan struct{}),
	}

	started := make(chan error, 1)
	go k.own(cmd, started, cfg.Logger, p.stdoutR, p.stderrR)
	err = <-started
	// Whatever happened, agd must not keep the child's ends: holding them
	// would hide the child's death (no EOF on FromKernel) and agd's death
	// (no EOF on the kernel's fd 4).
	p.closeChildEnds()
	if err != nil {
		p.closeParentEnds()
		return nil, fmt.Errorf("supervisor: starting kernel %q: %w", strings.Join(argv, " "), err)
	}
	return k, nil
}

// kernelEnv is base (or agd's environment) plus the transport variables.
func kernelEnv(base []string, stateDir string) []string {
	if base == nil {
		base = os.Environ()
	}
	env := make([]string, 0, len(base)+3)
	for _, kv := range base {
		switch name, _, _ := strings.Cut(kv, "="); name {
		case "AGVM_FROM_AGD", "AGVM_TO_AGD", "AGVM_STATE_DIR":
			continue // ours win; drop stale copies rather than rely on order
		case "NODE_CHANNEL_FD":
			// Set if agd itself was started by Node with an IPC channel; it
			// would make the kernel's Node open fd 3, which is closed.
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		fmt.Sprintf("AGVM_FROM_AGD=%d", toKernelFD),
		fmt.Sprintf("AGVM_TO_AGD=%d", fromKernelFD),
		"AGVM_STATE_DIR="+stateDir,
	)
}

// Pid is the kernel's process ID, which is also its process group ID.
func (k *Kernel) Pid() int { return k.pid }

// Argv is the command line the kernel was started with.
func (k *Kernel) Argv() []string { return append([]string(nil), k.argv...) }

// ToKernel is agd's end of the pipe the kernel reads as fd 4. Closing it
// gives the kernel EOF, which a well-behaved kernel takes as "agd is gone".
func (k *Kernel) ToKernel() *os.File { return k.toKernel }

// FromKernel is agd's end of the pipe the kernel writes as fd 5. EOF on it
// is the first sign that the kernel died.
func (k *Kernel) FromKernel() *os.File { return k.fromKernel }

// Done is closed once the kernel has exited, been reaped, and its stdout
// and stderr have been logged (or given up on).
func (k *Kernel) Done() <-chan struct{} { return k.done }

// ExitStatus is how the kernel ended; before Done is closed it is the zero
// ExitStatus, which reports that the kernel is still running.
func (k *Kernel) ExitStatus() ExitStatus {
	select {
	case <-k.done:
		return k.status
	default:
		return ExitStatus{}
	}
}

// StderrTail is a copy of the last StderrTailLines lines the kernel wrote to
// stderr, oldest first.
func (k *Kernel) StderrTail() []string { return k.stderrTail.lines() }

// Err is nil while the kernel runs and an *ExitError once Done is closed,
// whether the kernel died or was stopped. Callers that wait for the kernel
// (a handshake, a request) wrap it to say what the kernel exited before.
func (k *Kernel) Err() error {
	select {
	case <-k.done:
		return &ExitError{Argv: k.Argv(), Pid: k.pid, Status: k.status, StderrTail: k.StderrTail()}
	default:
		return nil
	}
}

// pipes holds the four pipes of one kernel, both ends.
type pipes struct {
	toKernelR, toKernelW     *os.File
	fromKernelR, fromKernelW *os.File
	stdoutR, stdoutW         *os.File
	stderrR, stderrW         *os.File
}

func openPipes() (*pipes, error) {
	var p pipes
	for _, ends := range []struct{ r, w **os.File }{
		{&p.toKernelR, &p.toKernelW},
		{&p.fromKernelR, &p.fromKernelW},
		{&p.stdoutR, &p.stdoutW},
		{&p.stderrR, &p.stderrW},
	} {
		r, w, err := os.Pipe()
		if err != nil {
			p.closeChildEnds()
			p.closeParentEnds()
			return nil, fmt.Errorf("creating kernel pipe: %w", err)
		}
		*ends.r, *ends.w = r, w
	}
	// The protocol pipes get room for bursts: with Linux's default 64 KiB a
	// kernel writing slog batches at 500k entries/s finds the pipe full
	// about a quarter of the time and blocks; with 1 MiB it does not. If the
	// system refuses (a lowered pipe-max-size), the pipe keeps its default.
	for _, f := range []*os.File{p.toKernelW, p.fromKernelW} {
		_, _ = unix.FcntlInt(f.Fd(), unix.F_SETPIPE_SZ, protocolPipeSize)
	}
	return &p, nil
}

// protocolPipeSize is the capacity asked for each protocol pipe; 1 MiB is
// the default /proc/sys/fs/pipe-max-size, so it needs no privilege.
const protocolPipeSize = 1 << 20

func (p *pipes) closeChildEnds() {
	closeAll(p.toKernelR, p.fromKernelW, p.stdoutW, p.stderrW)
}

func (p *pipes) closeParentEnds() {
	closeAll(p.toKernelW, p.fromKernelR, p.stdoutR, p.stderrR)
}

func closeAll(files ...*os.File) {
	for _, f := range files {
		if f != nil {
			f.Close()
		}
	}
}
