package lifecycle

import (
	"fmt"
	"strings"
)

// life is one agd process in the simulated world: a synchronous driver that
// carries out the machine's actions the way app/ does, a CometBFT that
// proposes consecutive blocks, and a fault injector that between any two
// steps may deliver a signal, crash the kernel or crash agd itself.

type stepKind int

const (
	stepNone   stepKind = iota // the driver waits: nothing is under way
	stepFeed                   // feed ev to the machine
	stepKernel                 // the kernel processes req; its answer is fed next
	stepCosmos                 // cosmos commits height
)

// step is what the driver's single thread does next.
type step struct {
	kind   stepKind
	ev     Event
	req    Action
	height int64
}

// faults are per-mille chances, checked before every step.
type faults struct {
	signal, kernelOnlySignal, kernelCrash, agdCrash, kernelError, badHeight int
}

// choices is where a schedule's random decisions come from: a seeded
// math/rand source, or rapid's, which shrinks a failing schedule. Every
// decision is made so that choice 0 is the undisturbed one (no fault, the
// fewest lives and steps), so shrinking towards 0 removes faults.
type choices interface {
	IntN(n int) int
}

func randomFaults(rng choices) faults {
	if rng.IntN(4) == 0 {
		return faults{} // a calm life now and then, to make progress
	}
	return faults{
		signal:           rng.IntN(60),
		kernelOnlySignal: rng.IntN(6),
		kernelCrash:      rng.IntN(25),
		agdCrash:         rng.IntN(25),
		kernelError:      rng.IntN(30),
		badHeight:        rng.IntN(8),
	}
}

type life struct {
	w   *world
	m   *Machine
	rng choices
	f   faults

	next    step
	stop    *Stop
	crashed bool

	signalled bool
	// commits outstanding (asked for, answer not yet fed) now and at the signal
	kernelCommit, cosmosCommit                 int64
	kernelCommitAtSignal, cosmosCommitAtSignal int64
	phaseAtSignal                              Phase
	// durable heights when this life started
	startKernel, startCosmos int64

	exitPending string   // the kernel is gone; KernelExited not yet fed
	faultsFed   []string // texts of kernel failures the machine was told of
	exitFed     string   // the kernel's exit status, if fed before the signal
	errors      int
	stats       map[string]int
}

func newLife(w *world, rng choices, f faults, stats map[string]int) *life {
	return &life{w: w, m: New(), rng: rng, f: f, stats: stats}
}

// chance is true with the given per-mille odds; choice 0 is false.
func (l *life) chance(perMille int) bool { return perMille > 0 && l.rng.IntN(1000) >= 1000-perMille }

// run lives until agd stops, crashes, runs out of steps, or cosmos reaches
// target at a quiet point.
func (l *life) run(maxSteps int, target int64) {
	w := l.w
	w.life = l
	w.kernel.start()
	c := w.cosmos.height
	l.startKernel, l.startCosmos = w.kernel.height, c
	w.logf("--- agd starts: kernel durable %d, cosmos durable %d, faults %+v", w.kernel.height, c, l.f)
	if w.kernel.height == c+1 {
		l.stats["restart with the kernel one block ahead"]++
	}
	l.next = step{kind: stepFeed, ev: Started{CosmosHeight: c, ActivityHash: w.cosmos.activity[c]}}
	for i := 0; i < maxSteps && l.stop == nil && !l.crashed; i++ {
		if w.cosmos.height >= target && l.m.Phase() == PhaseIdle {
			break
		}
		l.inject()
		if l.stop != nil || l.crashed {
			break
		}
		l.advance()
	}
	if l.stop != nil {
		l.afterStop()
	}
	// The process is gone: the kernel sees EOF and exits, losing its block;
	// cosmos loses its uncommitted block.
	w.kernel.die()
	w.cosmos.lose()
	w.life = nil
}

func (l *life) inject() {
	w := l.w
	if !l.signalled && l.chance(l.f.signal) {
		l.signalled = true
		l.kernelCommitAtSignal, l.cosmosCommitAtSignal = l.kernelCommit, l.cosmosCommit
		l.phaseAtSignal = l.m.Phase()
		l.stats["signal in phase "+l.m.Phase().String()]++
		l.feed(SignalReceived{Name: "terminated"}, false)
	}
	if !l.signalled && w.kernel.alive && !w.kernel.signalled && l.chance(l.f.kernelOnlySignal) {
		w.logf("someone signals only the kernel")
		w.kernel.signalled = true
	}
	if w.kernel.alive && l.chance(l.f.kernelCrash) {
		w.logf("kernel crashes in phase %s", l.m.Phase())
		l.stats["kernel crash in phase "+l.m.Phase().String()]++
		w.kernel.die()
		l.exitPending = "signal: killed"
		if l.next.kind == stepFeed && isKernelReply(l.next.ev) && l.rng.IntN(2) == 0 {
			// The answer was still in the pipe: the driver sees the pipe close.
			l.next.ev = deadReply(l.next.ev)
		}
	}
	if w.kernel.alive && w.kernel.signalled && l.next.kind != stepKernel && l.rng.IntN(3) == 0 {
		// A signalled kernel exits once its in-flight work is done.
		w.logf("kernel exits after SIGTERM")
		w.kernel.die()
		l.exitPending = "exit status 0"
	}
	if l.exitPending != "" && l.stop == nil && l.rng.IntN(3) == 0 {
		l.feedExit()
	}
	if l.stop == nil && l.chance(l.f.agdCrash) {
		w.logf("agd crashes in phase %s", l.m.Phase())
		l.stats["agd crash in phase "+l.m.Phase().String()]++
		l.crashed = true
	}
}

func (l *life) feedExit() {
	st := l.exitPending
	l.exitPending = ""
	l.feed(KernelExited{Status: st}, false)
}

func (l *life) advance() {
	w := l.w
	switch s := l.next; s.kind {
	case stepNone:
		if l.exitPending != "" {
			l.feedExit()
			return
		}
		w.violate("agd is stuck in phase %s with nothing to do", l.m.Phase())
		l.crashed = true
	case stepFeed:
		l.next = step{}
		l.feed(s.ev, true)
	case stepKernel:
		l.next = step{kind: stepFeed, ev: l.kernelAnswer(s.req)}
	case stepCosmos:
		w.cosmos.commit(s.height)
		l.next = step{kind: stepFeed, ev: CosmosCommitted{Height: s.height}}
	}
}

// kernelAnswer is the kernel processing a request and its reply event.
func (l *life) kernelAnswer(req Action) Event {
	k := &l.w.kernel
	if !k.alive {
		return withErr(emptyReply(req), "connection closed")
	}
	if l.chance(l.f.kernelError) {
		l.errors++
		return withErr(emptyReply(req), fmt.Sprintf("injected failure #%d of %T", l.errors, req))
	}
	switch r := req.(type) {
	case CallKernelInit:
		kh, hash := k.init(r.CosmosHeight)
		return KernelInitialized{KernelHeight: kh, ActivityHash: hash}
	case CallKernelBegin:
		refused, err := k.begin(r.Height)
		return KernelBegan{Height: r.Height, Err: err, Refused: refused}
	case CallKernelEnd:
		hash, err := k.end(r.Height)
		return KernelEnded{Height: r.Height, ActivityHash: hash, Err: err}
	case CallKernelCommit:
		kh, refused, err := k.commit(r.Height)
		if !refused && err == "" && l.chance(l.f.badHeight) {
			kh += 7 // a protocol error, after the commit became durable
		}
		return KernelCommitted{Height: r.Height, KernelHeight: kh, Err: err, Refused: refused}
	}
	panic(fmt.Sprintf("kernelAnswer(%T)", req))
}

func emptyReply(req Action) Event {
	switch r := req.(type) {
	case CallKernelInit:
		return KernelInitialized{}
	case CallKernelBegin:
		return KernelBegan{Height: r.Height}
	case CallKernelEnd:
		return KernelEnded{Height: r.Height}
	case CallKernelCommit:
		return KernelCommitted{Height: r.Height}
	}
	panic(fmt.Sprintf("emptyReply(%T)", req))
}

func isKernelReply(ev Event) bool {
	switch ev.(type) {
	case KernelInitialized, KernelBegan, KernelEnded, KernelCommitted:
		return true
	}
	return false
}

func deadReply(ev Event) Event { return withErr(ev, "connection closed") }

// withErr is ev as a failed answer: the error alone, no result.
func withErr(ev Event, err string) Event {
	switch e := ev.(type) {
	case KernelInitialized:
		return KernelInitialized{Err: err}
	case KernelBegan:
		return KernelBegan{Height: e.Height, Err: err}
	case KernelEnded:
		return KernelEnded{Height: e.Height, Err: err}
	case KernelCommitted:
		return KernelCommitted{Height: e.Height, Err: err}
	}
	panic(fmt.Sprintf("withErr(%T)", ev))
}

// feed hands ev to the machine and carries out its actions. main says the
// event comes from the driver's block thread; others (signal, exit) come
// from elsewhere and must not produce work for that thread.
func (l *life) feed(ev Event, main bool) {
	w := l.w
	switch ev.(type) {
	case KernelCommitted:
		l.kernelCommit = 0
	case CosmosCommitted:
		l.cosmosCommit = 0
	}
	if l.stop == nil {
		l.noteFault(ev)
	}
	acts := l.m.Handle(ev)
	w.logf("%T%+v -> %s", ev, ev, fmtActions(acts))
	if len(acts) == 0 && main && l.stop == nil {
		l.continueAfter(ev)
		return
	}
	for _, a := range acts {
		l.execute(a, main)
	}
}

func (l *life) noteFault(ev Event) {
	switch e := ev.(type) {
	case KernelInitialized:
		switch {
		case !l.signalled:
			l.addFault(e.Err)
		case e.Err != "":
			l.stats["init failed after agd's signal"]++
		}
	case KernelBegan:
		switch {
		case e.Refused && !l.signalled:
			l.stats["begin refused without agd's signal"]++
			l.addFault("-32001")
		case e.Refused:
			l.stats["begin refused after agd's signal"]++
		default:
			l.addFault(e.Err)
		}
	case KernelEnded:
		l.addFault(e.Err)
	case KernelCommitted:
		switch {
		case e.Refused && !l.signalled:
			l.stats["commit refused without agd's signal"]++
			l.addFault("-32001")
		case e.Refused:
		case e.Err != "":
			l.addFault(e.Err)
		case e.KernelHeight != e.Height:
			l.addFault(fmt.Sprintf("kernel height %d", e.KernelHeight))
		}
	case KernelExited:
		if l.signalled && l.kernelCommit != 0 {
			l.stats["kernel exit fed after the signal during commit"]++
		}
		if !l.signalled {
			l.addFault(e.Status)
			l.exitFed = e.Status
		}
	}
}

func (l *life) addFault(text string) {
	if text != "" {
		l.faultsFed = append(l.faultsFed, text)
	}
}

// continueAfter is what happens when the machine asks for nothing: the ABCI
// flow goes on.
func (l *life) continueAfter(ev Event) {
	switch e := ev.(type) {
	case KernelInitialized:
		// CometBFT's handshake: it proposes the block after cosmos's, which
		// is a replay of one it stored if agd crashed before committing it.
		l.next = step{kind: stepFeed, ev: BlockStarted{Height: l.w.cosmos.height + 1}}
	case KernelBegan:
		l.next = step{kind: stepFeed, ev: EndBlockReached{Height: e.Height}}
	case CosmosCommitted:
		l.next = step{kind: stepFeed, ev: BlockStarted{Height: e.Height + 1}}
	default:
		l.w.violate("the machine asked for nothing after %T", ev)
	}
}

func (l *life) execute(a Action, main bool) {
	w := l.w
	switch a.(type) {
	case SignalKernel, Stop:
	default:
		if !main {
			w.violate("an asynchronous event produced %T", a)
			return
		}
	}
	switch a := a.(type) {
	case CallKernelInit:
		l.next = step{kind: stepKernel, req: a}
	case CallKernelBegin:
		if l.signalled {
			w.violate("BeginBlock(%d) asked for after the signal", a.Height)
		}
		k, c := w.kernel.height, w.cosmos.height
		if c != a.Height-1 || (k != a.Height-1 && !(k == a.Height && w.kernel.replay)) {
			w.violate("BeginBlock(%d) asked for with kernel at %d, cosmos at %d", a.Height, k, c)
		}
		l.next = step{kind: stepKernel, req: a}
	case CallKernelEnd:
		l.next = step{kind: stepKernel, req: a}
	case CallKernelCommit:
		if l.signalled {
			w.violate("Commit(%d) asked of the kernel after the signal", a.Height)
		}
		l.kernelCommit = a.Height
		l.next = step{kind: stepKernel, req: a}
	case RecordActivityHash:
		w.cosmos.record(a.Height, a.Hash)
		l.next = step{kind: stepFeed, ev: CommitStarted{Height: a.Height}}
	case CommitCosmos:
		if l.signalled && a.Height != l.kernelCommitAtSignal {
			w.violate("cosmos commit of %d begun after the signal (kernel commit outstanding at signal: %d)", a.Height, l.kernelCommitAtSignal)
		}
		if l.signalled {
			l.stats["cosmos commit after the signal, the kernel's having been in flight"]++
		}
		if w.kernel.height < a.Height {
			w.violate("cosmos commit of %d asked for with the kernel at %d", a.Height, w.kernel.height)
		}
		l.cosmosCommit = a.Height
		l.next = step{kind: stepCosmos, height: a.Height}
	case RefuseBlock:
		l.next = step{} // the ABCI method fails; CometBFT goes no further
	case SignalKernel:
		if w.kernel.alive {
			w.kernel.signalled = true
		}
	case Stop:
		if l.stop != nil {
			w.violate("a second Stop: %+v", a)
			return
		}
		l.stop = &a
		l.checkStop()
	default:
		w.violate("unknown action %T", a)
	}
}

// checkStop holds properties 4 and 5: a clean exit only after a signal with
// no kernel failure, at heights the next start can reconcile; any other exit
// non-zero, naming the failure.
func (l *life) checkStop() {
	w, s := l.w, *l.stop
	k, c := w.kernel.height, w.cosmos.height
	clean := l.signalled && len(l.faultsFed) == 0
	switch {
	case s.ExitCode != 0 && s.ExitCode != 1:
		w.violate("exit code %d", s.ExitCode)
	case (s.ExitCode == 0) != clean:
		w.violate("exit code %d (%s), but signalled=%v and failures %q", s.ExitCode, s.Reason, l.signalled, l.faultsFed)
	case s.ExitCode == 0 && k != c && k != c+1:
		w.violate("clean exit with the kernel at %d and cosmos at %d", k, c)
	case s.ExitCode == 0 && k == c+1 && (k != l.startKernel || c != l.startCosmos):
		// A signal finishes a block the kernel committed; only a start that
		// found the kernel ahead, stopped before the replay, may end so.
		w.violate("clean exit left the kernel at %d and cosmos at %d, but this life started at kernel %d, cosmos %d", k, c, l.startKernel, l.startCosmos)
	case s.ExitCode != 0 && !containsAny(s.Reason, l.faultsFed):
		w.violate("exit reason %q names none of the failures %q", s.Reason, l.faultsFed)
	case s.ExitCode != 0 && l.exitFed != "" && !strings.Contains(s.Reason, l.exitFed):
		w.violate("exit reason %q does not name the kernel's exit (%s)", s.Reason, l.exitFed)
	case strings.Contains(s.Reason, "cannot be reconciled"):
		w.violate("start with kernel %d and cosmos %d did not recover: %s", k, c, s.Reason)
	}
	if s.ExitCode == 0 {
		// Before Init answered the machine knows no heights to compare.
		if mk, mc := l.m.CommittedHeights(); mk != -1 && (mk != k || mc != c) {
			w.violate("clean exit: machine thinks (%d, %d), durable (%d, %d)", mk, mc, k, c)
		}
		l.stats["clean exit after signal in phase "+l.phaseAtSignal.String()]++
		if k == c+1 {
			l.stats["clean exit with the kernel one block ahead"]++
		}
	} else {
		l.stats["failure exit"]++
	}
	if l.next.kind == stepKernel || l.next.kind == stepCosmos || l.kernelCommit != 0 || l.cosmosCommit != 0 {
		w.violate("Stop while work was outstanding: next %v, kernel commit %d, cosmos commit %d", l.next.kind, l.kernelCommit, l.cosmosCommit)
	}
}

// afterStop pokes the stopped machine the way a racing driver could: the
// block thread's pending event, a new block, another signal. None may
// produce work.
func (l *life) afterStop() {
	var evs []Event
	if l.next.kind == stepFeed {
		evs = append(evs, l.next.ev)
	}
	evs = append(evs, BlockStarted{Height: l.w.cosmos.height + 1}, SignalReceived{Name: "interrupt"}, KernelExited{Status: "exit status 0"})
	for _, ev := range evs {
		acts := l.m.Handle(ev)
		h, isBlock := blockHeight(ev)
		want := 0
		if isBlock {
			want = 1
		}
		if len(acts) != want {
			l.w.violate("after Stop, %T%+v produced %s", ev, ev, fmtActions(acts))
			continue
		}
		if isBlock {
			if r, ok := acts[0].(RefuseBlock); !ok || r.Height != h {
				l.w.violate("after Stop, %T%+v produced %s", ev, ev, fmtActions(acts))
			}
		}
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func fmtActions(acts []Action) string {
	parts := make([]string, len(acts))
	for i, a := range acts {
		parts[i] = fmt.Sprintf("%T%+v", a, a)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
