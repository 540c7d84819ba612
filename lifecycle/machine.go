package lifecycle

import "fmt"

// Machine is the block lifecycle of one agd process and its kernel. The zero
// value is not ready; use New. It is not safe for concurrent use: the driver
// serialises Handle calls.
type Machine struct {
	phase Phase
	// kernel and cosmos are the committed heights as far as agd knows;
	// kernel is -1 until the kernel answered Init.
	kernel, cosmos int64
	// cosmosHash is the activity hash agd holds at its committed height,
	// "" when it has none to compare.
	cosmosHash string
	// height is the block under way, from BlockStarted to its commit.
	height int64
	// replay is set when the kernel is one block ahead: the next block is one
	// the kernel already committed, and must end with replayHash.
	replay     bool
	replayHash string
	// signal is the first signal's name, "" until one arrived.
	signal string
	// failure is why agd must stop non-zero, learnt while a request or
	// commit was outstanding; the stop waits for that work to answer.
	failure string
	// exited is the kernel's exit status when it left after the signal
	// while a request was outstanding: not yet a failure, since a kernel
	// that got SIGTERM answers its in-flight request before exiting.
	exited string
	stop   Stop
}

// New returns a machine waiting for Started.
func New() *Machine {
	return &Machine{kernel: -1}
}

// Phase reports where the machine stands.
func (m *Machine) Phase() Phase { return m.phase }

// CommittedHeights reports the heights agd knows to be committed on each
// side; kernel is -1 until the kernel answered Init.
func (m *Machine) CommittedHeights() (kernel, cosmos int64) {
	return m.kernel, m.cosmos
}

// Stopped reports the Stop the machine emitted, if it did.
func (m *Machine) Stopped() (Stop, bool) {
	return m.stop, m.phase == PhaseStopped
}

// Handle advances the machine by one event and returns what the driver must
// do, in order. Events that do not fit the current phase or height stop agd
// with exit code 1: they mean the driver or CometBFT broke the lifecycle, and
// going on could commit the wrong thing. Once stopped, block events yield
// RefuseBlock and other events yield nothing.
func (m *Machine) Handle(ev Event) []Action {
	if m.phase == PhaseStopped {
		if h, ok := blockHeight(ev); ok {
			return []Action{RefuseBlock{Height: h, Reason: m.stop.Reason}}
		}
		return nil
	}
	switch ev := ev.(type) {
	case SignalReceived:
		return m.signalReceived(ev)
	case KernelExited:
		return m.kernelExited(ev)
	case Started:
		if m.phase == PhaseNew {
			return m.started(ev)
		}
	case KernelInitialized:
		if m.phase == PhaseInitializing {
			return m.kernelInitialized(ev)
		}
	case RestoreRequested:
		if m.phase == PhaseIdle {
			return m.restoreRequested(ev)
		}
	case KernelRestored:
		if m.phase == PhaseRestoring {
			return m.kernelRestored(ev)
		}
	case BlockStarted:
		if m.phase == PhaseIdle {
			return m.blockStarted(ev)
		}
	case KernelBegan:
		if m.phase == PhaseBeginning && ev.Height == m.height {
			return m.kernelBegan(ev)
		}
	case EndBlockReached:
		if m.phase == PhaseInBlock && ev.Height == m.height {
			m.phase = PhaseEnding
			return []Action{CallKernelEnd{Height: ev.Height}}
		}
	case KernelEnded:
		if m.phase == PhaseEnding && ev.Height == m.height {
			return m.kernelEnded(ev)
		}
	case CommitStarted:
		if m.phase == PhaseEnded && ev.Height == m.height {
			m.phase = PhaseCommitting
			return []Action{CallKernelCommit{Height: ev.Height}}
		}
	case KernelCommitted:
		if m.phase == PhaseCommitting && ev.Height == m.height {
			return m.kernelCommitted(ev)
		}
	case CosmosCommitted:
		if m.phase == PhaseCosmosCommitting && ev.Height == m.height {
			m.cosmos = ev.Height
			m.phase = PhaseIdle
			return m.settle()
		}
	}
	h, _ := blockHeight(ev)
	return m.halt(1, fmt.Sprintf("lifecycle: unexpected %T%+v in phase %s at block %d", ev, ev, m.phase, m.height), h)
}

func (m *Machine) signalReceived(ev SignalReceived) []Action {
	if m.signal != "" {
		return nil
	}
	m.signal = ev.Name
	if m.signal == "" {
		m.signal = "signal"
	}
	acts := []Action{SignalKernel{}}
	if m.phase.quiet() {
		// Nothing is committing, so nothing is left to finish. A failure
		// cannot be pending here: it would have stopped the machine on
		// reaching this quiet phase.
		acts = append(acts, m.halt(0, m.signalReason(), 0)...)
	}
	return acts
}

func (m *Machine) kernelExited(ev KernelExited) []Action {
	why := fmt.Sprintf("kernel exited (%s) %s", ev.Status, m.where())
	switch {
	case m.phase.quiet():
		// Quiet after a signal means already stopped, so this exit is
		// unexpected. The block under way, if any, is refused when its next
		// event arrives.
		return m.halt(1, why, 0)
	case m.signal != "":
		m.exited = ev.Status
	case m.failure == "":
		m.failure = why
	}
	return nil
}

func (m *Machine) started(ev Started) []Action {
	if ev.CosmosHeight < 0 {
		return m.halt(1, fmt.Sprintf("cosmos height %d is negative", ev.CosmosHeight), 0)
	}
	m.cosmos = ev.CosmosHeight
	m.cosmosHash = ev.ActivityHash
	m.phase = PhaseInitializing
	return []Action{CallKernelInit{CosmosHeight: m.cosmos, IsBootstrap: m.cosmos == 0}}
}

func (m *Machine) kernelInitialized(ev KernelInitialized) []Action {
	if m.failure != "" {
		return m.halt(1, m.failure, 0)
	}
	switch {
	case ev.Err != "" && m.signal != "":
		// agd was told to stop while the handshake was outstanding and
		// forwarded SIGTERM (and gave up waiting): nothing began, so
		// there is nothing to finish or reconcile.
		return m.halt(0, m.signalReason()+" (swingset.Init: "+ev.Err+")", 0)
	case ev.Err != "":
		return m.fail("kernel did not start: " + ev.Err)
	}
	k, c := ev.KernelHeight, m.cosmos
	switch k {
	case c:
		if m.cosmosHash != "" && ev.ActivityHash != m.cosmosHash {
			return m.fail(fmt.Sprintf("kernel activity hash %q at height %d differs from agd's %q", ev.ActivityHash, k, m.cosmosHash))
		}
	case c + 1:
		// The kernel committed c+1 and agd crashed before its own commit.
		// CometBFT replays block c+1; the kernel treats it as a replay.
		m.replay = true
		m.replayHash = ev.ActivityHash
	default:
		return m.fail(fmt.Sprintf("kernel height %d and cosmos height %d cannot be reconciled: the kernel must be at %d or %d", k, c, c, c+1))
	}
	m.kernel = k
	m.phase = PhaseIdle
	return m.settle()
}

// restoreRequested starts the kernel's side of a state-sync restore. Only a
// fresh node restores: a kernel that ran blocks is never replaced.
func (m *Machine) restoreRequested(ev RestoreRequested) []Action {
	if ev.Height <= 0 || m.kernel != 0 || m.cosmos != 0 {
		return m.halt(1, fmt.Sprintf("state-sync restore of height %d asked for with the kernel at height %d and cosmos at height %d: only a fresh node restores a snapshot", ev.Height, m.kernel, m.cosmos), 0)
	}
	m.height = ev.Height
	m.cosmosHash = ev.ActivityHash
	m.phase = PhaseRestoring
	return []Action{CallKernelRestore{Height: ev.Height}}
}

// kernelRestored checks the restored kernel against the restored cosmos
// state as the start-up handshake would: equal heights, equal activity hash.
func (m *Machine) kernelRestored(ev KernelRestored) []Action {
	h := m.height
	if m.failure != "" {
		return m.halt(1, m.failure, 0)
	}
	switch {
	case ev.Err != "":
		return m.fail(fmt.Sprintf("kernel swingset.Restore(%d) failed: %s", h, ev.Err))
	case ev.KernelHeight != h:
		return m.fail(fmt.Sprintf("restored kernel is at height %d but the restored cosmos state is at height %d", ev.KernelHeight, h))
	case ev.ActivityHash != m.cosmosHash:
		return m.fail(fmt.Sprintf("restored kernel activity hash %q at height %d differs from the restored cosmos state's %q", ev.ActivityHash, h, m.cosmosHash))
	}
	m.kernel, m.cosmos = h, h
	m.phase = PhaseIdle
	return m.settle()
}

func (m *Machine) blockStarted(ev BlockStarted) []Action {
	if ev.Height > 1 && m.cosmos == 0 && m.kernel == 0 {
		return m.halt(1, fmt.Sprintf("block %d comes to a node whose kernel is at height 0: cosmos state was restored from a state-sync snapshot at height %d without the kernel's part (no %q extension payload); restore from a snapshot that has it", ev.Height, ev.Height-1, "swingset"), ev.Height)
	}
	if ev.Height != m.cosmos+1 {
		return m.halt(1, fmt.Sprintf("block %d does not follow the committed height %d", ev.Height, m.cosmos), ev.Height)
	}
	m.height = ev.Height
	m.phase = PhaseBeginning
	return []Action{CallKernelBegin{Height: ev.Height}}
}

func (m *Machine) kernelBegan(ev KernelBegan) []Action {
	if m.failure != "" {
		return m.halt(1, m.failure, m.height)
	}
	switch {
	case ev.Refused && m.signal == "":
		return m.fail(fmt.Sprintf("kernel refused swingset.BeginBlock(%d) as shutting down (-32001), but agd received no signal", ev.Height))
	case ev.Refused:
		// The kernel had the forwarded SIGTERM before this block began, so
		// neither side has anything of it to finish: stop as on the signal.
		return m.halt(0, m.signalReason(), m.height)
	case ev.Err != "":
		return m.fail(fmt.Sprintf("kernel swingset.BeginBlock(%d) failed: %s", ev.Height, ev.Err))
	}
	m.phase = PhaseInBlock
	return m.settle()
}

func (m *Machine) kernelEnded(ev KernelEnded) []Action {
	if m.failure != "" {
		return m.halt(1, m.failure, m.height)
	}
	switch {
	case ev.Err != "":
		return m.fail(fmt.Sprintf("kernel swingset.EndBlock(%d) failed: %s", ev.Height, ev.Err))
	case ev.ActivityHash == "":
		return m.fail(fmt.Sprintf("kernel swingset.EndBlock(%d) returned no activityHash", ev.Height))
	case m.replay && m.replayHash != "" && ev.ActivityHash != m.replayHash:
		return m.fail(fmt.Sprintf("replayed block %d ended with activity hash %q, but the kernel had committed %q", ev.Height, ev.ActivityHash, m.replayHash))
	}
	m.phase = PhaseEnded
	return m.settle(RecordActivityHash{Height: ev.Height, Hash: ev.ActivityHash})
}

func (m *Machine) kernelCommitted(ev KernelCommitted) []Action {
	h := ev.Height
	if m.failure != "" {
		return m.halt(1, m.failure, h)
	}
	switch {
	case ev.Refused && m.signal == "":
		return m.fail(fmt.Sprintf("kernel refused swingset.Commit(%d) as shutting down (-32001), but agd received no signal", h))
	case ev.Refused:
		return m.halt(0, m.signalReason(), h)
	case ev.Err != "":
		return m.fail(fmt.Sprintf("kernel swingset.Commit(%d) failed: %s", h, ev.Err))
	case ev.KernelHeight != h:
		return m.fail(fmt.Sprintf("kernel answered swingset.Commit(%d) with kernel height %d", h, ev.KernelHeight))
	}
	m.kernel = h
	m.replay, m.replayHash = false, ""
	// Even after a signal, cosmos commits h: the kernel already has, and
	// stopping between the two would leave a half-committed block that
	// offline commands (snapshots export) cannot use until a restart
	// replays it. agd's own commit is local and short; settle stops after it.
	m.phase = PhaseCosmosCommitting
	return []Action{CommitCosmos{Height: h}}
}

// settle finishes a successful step: if a signal or a failure arrived while
// the step was outstanding, agd stops now that it is quiet; otherwise acts
// are carried out.
func (m *Machine) settle(acts ...Action) []Action {
	switch {
	case m.failure != "":
		return m.halt(1, m.failure, m.blockUnderWay())
	case m.signal != "":
		return m.halt(0, m.signalReason(), m.blockUnderWay())
	}
	return acts
}

// fail stops non-zero for a kernel failure, refusing the block under way.
func (m *Machine) fail(reason string) []Action {
	if m.exited != "" {
		reason += fmt.Sprintf("; the kernel exited (%s)", m.exited)
	}
	return m.halt(1, reason, m.blockUnderWay())
}

// blockUnderWay is the height whose ABCI method must fail if agd stops now,
// or 0 when no block method is under way.
func (m *Machine) blockUnderWay() int64 {
	if m.phase.inBlock() {
		return m.height
	}
	return 0
}

// halt emits the one Stop, preceded by a RefuseBlock for refuse if it is a
// height, so the ABCI method under way fails instead of returning normally.
func (m *Machine) halt(code int, reason string, refuse int64) []Action {
	// Before Init answered (kernel -1) no height of the kernel's is known,
	// and agd has committed nothing since it started.
	if code == 0 && m.kernel >= 0 && m.kernel != m.cosmos && m.kernel != m.cosmos+1 {
		// Unreachable by construction; a clean exit must leave heights the
		// next start can reconcile, so refuse to call this one clean.
		code = 1
		reason += fmt.Sprintf(" (but kernel height %d and cosmos height %d are inconsistent)", m.kernel, m.cosmos)
	}
	m.phase = PhaseStopped
	m.stop = Stop{ExitCode: code, Reason: reason}
	var acts []Action
	if refuse > 0 {
		acts = append(acts, RefuseBlock{Height: refuse, Reason: reason})
	}
	return append(acts, m.stop)
}

func (m *Machine) signalReason() string {
	if m.kernel < 0 {
		return fmt.Sprintf("shut down on %s before the kernel's handshake completed", m.signal)
	}
	return fmt.Sprintf("shut down on %s with the kernel at height %d and cosmos at height %d", m.signal, m.kernel, m.cosmos)
}

// where names what the machine was doing, for messages about the kernel.
func (m *Machine) where() string {
	switch m.phase {
	case PhaseNew:
		return "before start"
	case PhaseInitializing:
		return "during swingset.Init"
	case PhaseIdle:
		return fmt.Sprintf("while idle at height %d", m.cosmos)
	case PhaseBeginning:
		return fmt.Sprintf("during swingset.BeginBlock(%d)", m.height)
	case PhaseEnding:
		return fmt.Sprintf("during swingset.EndBlock(%d)", m.height)
	case PhaseCommitting:
		return fmt.Sprintf("during swingset.Commit(%d)", m.height)
	case PhaseCosmosCommitting:
		return fmt.Sprintf("after committing block %d", m.height)
	case PhaseRestoring:
		return fmt.Sprintf("during swingset.Restore(%d)", m.height)
	}
	return fmt.Sprintf("during block %d", m.height)
}

// blockHeight returns the height of an event that belongs to a block.
func blockHeight(ev Event) (int64, bool) {
	switch ev := ev.(type) {
	case BlockStarted:
		return ev.Height, true
	case KernelBegan:
		return ev.Height, true
	case EndBlockReached:
		return ev.Height, true
	case KernelEnded:
		return ev.Height, true
	case CommitStarted:
		return ev.Height, true
	case KernelCommitted:
		return ev.Height, true
	case CosmosCommitted:
		return ev.Height, true
	}
	return 0, false
}
