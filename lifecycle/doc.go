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
//     begun, and no new block starts; a kernel commit already requested may
//     finish, and if it does, cosmos commits that block too, so a signal
//     never leaves the kernel a block ahead;
//   - on start, kernel height K and cosmos height C are reconciled: K == C is
//     normal, K == C+1 means block C+1 is replayed on the kernel, anything
//     else stops agd naming both heights;
//   - Stop is emitted once, only at a quiet point (no kernel request and no
//     cosmos commit outstanding), with exit code 0 for a signal-driven shutdown
//     at consistent heights and 1 for anything else.
//
// # Driving it
//
// Handle calls must be serialised (a mutex); SignalReceived and KernelExited
// may be fed from other goroutines between any two events. The block thread
// feeds, at each point:
//
//	process start, store opened   Started{CosmosHeight, ActivityHash}
//	swingset.Init answered/failed KernelInitialized (timeouts go in Err)
//	FinalizeBlock(H) entered      BlockStarted{H}
//	BeginBlock answered           KernelBegan
//	txs ran, BalanceUpdate sent   EndBlockReached{H}
//	EndBlock answered             KernelEnded
//	ABCI Commit entered           CommitStarted{H}
//	swingset.Commit answered      KernelCommitted (-32001 sets Refused)
//	cosmos commit of H durable    CosmosCommitted{H}
//
// and carries out each returned action: a Call* sends that request and feeds
// its answer; RecordActivityHash writes the hash and lets FinalizeBlock
// return; CommitCosmos runs agd's own commit; RefuseBlock makes the ABCI
// method in progress return an error; SignalKernel sends SIGTERM to the
// kernel's process group; Stop tears down and exits with its code. No action
// after KernelBegan, KernelInitialized or CosmosCommitted means "go on".
//
// Every kernel request asked for must be answered by exactly one reply
// event, even if the kernel died (feed the rpc error as Err): the machine
// waits for it before stopping, so Stop never abandons work in flight. Start
// the kernel in its own process group, so that a terminal's SIGINT reaches
// it only through SignalKernel; otherwise it may refuse a commit before agd
// has seen the signal, which counts as a failure.
package lifecycle
