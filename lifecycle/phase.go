package lifecycle

// Phase is where the machine stands in the lifecycle of agd and the kernel.
type Phase int

const (
	// PhaseNew: nothing fed yet; Started is expected.
	PhaseNew Phase = iota
	// PhaseInitializing: swingset.Init is outstanding.
	PhaseInitializing
	// PhaseIdle: both sides committed; the next FinalizeBlock may start.
	PhaseIdle
	// PhaseBeginning: swingset.BeginBlock is outstanding.
	PhaseBeginning
	// PhaseInBlock: the block's transactions are running in agd.
	PhaseInBlock
	// PhaseEnding: swingset.EndBlock is outstanding.
	PhaseEnding
	// PhaseEnded: FinalizeBlock is done; ABCI Commit is expected.
	PhaseEnded
	// PhaseCommitting: swingset.Commit is outstanding.
	PhaseCommitting
	// PhaseCosmosCommitting: the kernel committed; agd's own commit runs.
	PhaseCosmosCommitting
	// PhaseRestoring: swingset.Restore is outstanding (state sync).
	PhaseRestoring
	// PhaseStopped: Stop was emitted; nothing more will be done. It stays
	// the last phase: TestPhaseString names the phases up to it.
	PhaseStopped
)

var phaseNames = [...]string{
	PhaseNew:              "new",
	PhaseInitializing:     "initializing",
	PhaseIdle:             "idle",
	PhaseBeginning:        "beginning",
	PhaseInBlock:          "in block",
	PhaseEnding:           "ending",
	PhaseEnded:            "ended",
	PhaseCommitting:       "committing",
	PhaseCosmosCommitting: "cosmos committing",
	PhaseStopped:          "stopped",
	PhaseRestoring:        "restoring",
}

func (p Phase) String() string {
	if p < 0 || int(p) >= len(phaseNames) {
		return "Phase(?)"
	}
	return phaseNames[p]
}

// quiet reports whether nothing is outstanding in p: no kernel request
// awaits its answer and no cosmos commit runs. Only then may agd stop,
// because stopping earlier would abandon work that is already committing.
func (p Phase) quiet() bool {
	switch p {
	case PhaseNew, PhaseIdle, PhaseInBlock, PhaseEnded:
		return true
	}
	return false
}

// inBlock reports whether an ABCI block method is under way in p, so a stop
// must also make the driver fail that method.
func (p Phase) inBlock() bool {
	switch p {
	case PhaseBeginning, PhaseInBlock, PhaseEnding, PhaseEnded, PhaseCommitting:
		return true
	}
	return false
}
