// Package lifecycle decides, block by block, what agd does with the kernel
// (the Node.js child that runs swingset) and with its own cosmos state.
//
// It is a deterministic state machine with no I/O: no goroutines, no clock,
// no files, no rpc. A driver feeds it an Event for everything that happens
// (an ABCI method was entered, the kernel answered, a signal arrived, the
// kernel exited) and carries out the Actions it returns, in order. Keeping the
// decisions here and the I/O in the driver lets the tests replay thousands of
// random interleavings of blocks, crashes and signals against the very code
// that runs in production, and lets the driver stay a thin loop.
//
// The invariants it keeps (see docs/protocol.md, "Commit, shutdown and
// restart"):
//
//   - heights are strictly consecutive, and swingset.BeginBlock(H+1) is never
//     asked for before both the kernel and cosmos committed H;
//   - cosmos commits H only after the kernel answered swingset.Commit(H);
//   - after a signal, nothing is committed on either side that had not already
//     begun: a kernel commit already requested may finish, and a cosmos commit
//     runs only if the kernel had already answered; no new block starts;
//   - on start, kernel height K and cosmos height C are reconciled: K == C is
//     normal, K == C+1 means block C+1 is replayed on the kernel, anything
//     else stops agd naming both heights;
//   - Stop is emitted once, only at a quiet point (no kernel request and no
//     cosmos commit outstanding), with exit code 0 for a signal-driven shutdown
//     at consistent heights and 1 for anything else.
//
// # Driving it
//
// Feed Started with the committed cosmos height, then feed each ABCI point
// and each kernel reply as it happens. Handle calls must be serialised (a
// mutex), but SignalReceived and KernelExited may be fed from other goroutines
// between any two events. Every kernel request the machine asks for must be
// answered by exactly one reply event, even if the kernel died (feed the rpc
// error as the event's Err).
package lifecycle
