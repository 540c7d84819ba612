package lifecycle

// Event is something that happened, fed to Machine.Handle. Events are plain
// comparable values (errors are carried as text) so that a run of the machine
// is a pure function of its inputs and can be replayed by tests.
type Event interface{ isEvent() }

// Started is fed once, first: agd has opened its store. CosmosHeight is
// the committed cosmos height (0 on a fresh chain). ActivityHash is the kernel
// activity hash agd stored in consensus state at that height, if it has one;
// when set, the kernel's Init answer at the same height must match it.
type Started struct {
	CosmosHeight int64
	ActivityHash string
}

// KernelInitialized is the kernel's answer to CallKernelInit. Err is set
// when swingset.Init failed, timed out or the kernel could not be started;
// its text should say what was run, since it becomes the stop reason.
type KernelInitialized struct {
	KernelHeight int64
	ActivityHash string
	Err          string
}

// BlockStarted is fed when ABCI FinalizeBlock for Height is entered.
type BlockStarted struct{ Height int64 }

// KernelBegan is the kernel's answer to CallKernelBegin. Refused reports the
// shutdown refusal (error code -32001): a kernel that has had SIGTERM may
// refuse to begin a block, which is expected after agd's own signal and a
// failure otherwise; any other error goes in Err.
type KernelBegan struct {
	Height  int64
	Err     string
	Refused bool
}

// EndBlockReached is fed once the block's transactions ran and the
// vbank.BalanceUpdate notification (if any) was sent: the kernel's EndBlock
// is next.
type EndBlockReached struct{ Height int64 }

// KernelEnded is the kernel's answer to CallKernelEnd.
type KernelEnded struct {
	Height       int64
	ActivityHash string
	Err          string
}

// CommitStarted is fed when ABCI Commit for Height is entered.
type CommitStarted struct{ Height int64 }

// KernelCommitted is the kernel's answer to CallKernelCommit. Refused
// reports the shutdown refusal (error code -32001), which is expected after a
// signal and a failure otherwise; any other error goes in Err.
type KernelCommitted struct {
	Height       int64
	KernelHeight int64
	Err          string
	Refused      bool
}

// CosmosCommitted is fed once agd's own commit of Height (asked for by
// CommitCosmos) is durable.
type CosmosCommitted struct{ Height int64 }

// SignalReceived is fed when agd gets SIGTERM or SIGINT. Name is used in
// messages only ("terminated", "interrupt").
type SignalReceived struct{ Name string }

// KernelExited is fed when the kernel process is gone. Status is how it
// ended, as the driver would print it ("exit status 1", "signal: killed").
type KernelExited struct{ Status string }

// RestoreRequested is fed when a fresh node (both sides at height 0) has
// restored a state-sync snapshot of Height: cosmos state is at Height and
// holds ActivityHash, and the kernel's part was imported for the kernel to
// take up.
type RestoreRequested struct {
	Height       int64
	ActivityHash string
}

// KernelRestored is the kernel's answer to CallKernelRestore.
type KernelRestored struct {
	KernelHeight int64
	ActivityHash string
	Err          string
}

func (Started) isEvent()           {}
func (RestoreRequested) isEvent()  {}
func (KernelRestored) isEvent()    {}
func (KernelInitialized) isEvent() {}
func (BlockStarted) isEvent()      {}
func (KernelBegan) isEvent()       {}
func (EndBlockReached) isEvent()   {}
func (KernelEnded) isEvent()       {}
func (CommitStarted) isEvent()     {}
func (KernelCommitted) isEvent()   {}
func (CosmosCommitted) isEvent()   {}
func (SignalReceived) isEvent()    {}
func (KernelExited) isEvent()      {}
