package lifecycle

// Action is something the driver must do, returned by Machine.Handle. The
// driver carries out a Handle call's actions in order.
type Action interface{ isAction() }

// CallKernelInit asks the driver to send swingset.Init and feed the answer
// back as KernelInitialized.
type CallKernelInit struct {
	CosmosHeight int64
	IsBootstrap  bool
}

// CallKernelBegin asks for swingset.BeginBlock(Height); answer: KernelBegan.
// With no error the driver goes on running the block's transactions.
type CallKernelBegin struct{ Height int64 }

// CallKernelEnd asks for swingset.EndBlock(Height); answer: KernelEnded.
type CallKernelEnd struct{ Height int64 }

// CallKernelCommit asks for swingset.Commit(Height); answer: KernelCommitted.
type CallKernelCommit struct{ Height int64 }

// RecordActivityHash asks the driver to write Hash into consensus state for
// Height, so that a diverging kernel changes the AppHash. FinalizeBlock may
// then return normally.
type RecordActivityHash struct {
	Height int64
	Hash   string
}

// CommitCosmos tells the driver the kernel has made Height durable, so
// agd's own commit of Height may run; feed CosmosCommitted when it is done.
type CommitCosmos struct{ Height int64 }

// RefuseBlock tells the driver to fail the ABCI method it is in for Height
// (FinalizeBlock or Commit) with an error carrying Reason, and to commit
// nothing. It is the answer to every block event after a signal or a stop.
type RefuseBlock struct {
	Height int64
	Reason string
}

// SignalKernel tells the driver to send SIGTERM to the kernel's process
// group, so the kernel refuses further commits and exits when idle.
type SignalKernel struct{}

// Stop is the machine's last word: the driver tears down and exits with
// ExitCode, logging Reason. It is emitted once, and only when no kernel
// request and no cosmos commit is outstanding.
type Stop struct {
	ExitCode int
	Reason   string
}

// CallKernelRestore asks for swingset.Restore(Height), which swaps the
// imported kernel state in; answer: KernelRestored.
type CallKernelRestore struct{ Height int64 }

func (CallKernelInit) isAction()     {}
func (CallKernelRestore) isAction()  {}
func (CallKernelBegin) isAction()    {}
func (CallKernelEnd) isAction()      {}
func (CallKernelCommit) isAction()   {}
func (RecordActivityHash) isAction() {}
func (CommitCosmos) isAction()       {}
func (RefuseBlock) isAction()        {}
func (SignalKernel) isAction()       {}
func (Stop) isAction()               {}
