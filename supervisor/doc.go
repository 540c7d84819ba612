// Package supervisor starts, watches and stops agd's kernel child: the
// Node.js process (agvm) that runs the smart-contract kernel and talks to
// agd over two pipes (see the Transport section of docs/protocol.md).
//
// The package exists because a child process is easy to start and hard to
// get rid of. hashicorp/go-plugin's users keep reporting the two ways it goes
// wrong: children orphaned when the host dies, and signals sent to a PID the
// kernel has since given to someone else. So a Kernel
//
//   - runs in its own process group, and every signal goes to the group, so
//     the kernel's own workers die with it;
//   - has PR_SET_PDEATHSIG=SIGKILL, set from a goroutine locked to the thread
//     that forked it for the child's whole life (golang/go#27505: the signal
//     fires when that thread, not the process, dies);
//   - is always reaped by that goroutine, so no zombie stays behind, and its
//     PID is never signalled after it was reaped.
//
// The package is Linux-only: it relies on Pdeathsig and /proc.
package supervisor
