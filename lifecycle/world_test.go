package lifecycle

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// This file is a simulated world for the property tests: a kernel and a
// cosmos store with durable and volatile state, both of which may crash,
// and the deterministic workload an undisturbed chain would run.

func digest(parts ...any) string {
	s := sha256.Sum256([]byte(fmt.Sprint(parts...)))
	return hex.EncodeToString(s[:8])
}

// nextActivity is the kernel's activity hash chain: block h's work is a
// function of the height alone, so every run computes the same chain.
func nextActivity(prev string, h int64) string { return digest(prev, "/block/", h) }

// nextAppHash is cosmos's AppHash chain over the recorded activity hashes.
func nextAppHash(prev, activity string, h int64) string { return digest(prev, "/", activity, "/", h) }

const genesisActivity = "kernel-genesis"
const genesisAppHash = "cosmos-genesis"

// reference returns the activity and AppHash chains of an undisturbed run
// up to height n.
func reference(n int64) (acts, apps []string) {
	acts, apps = []string{genesisActivity}, []string{genesisAppHash}
	for h := int64(1); h <= n; h++ {
		acts = append(acts, nextActivity(acts[h-1], h))
		apps = append(apps, nextAppHash(apps[h-1], acts[h], h))
	}
	return acts, apps
}

// simKernel is the kernel: durable height and hash chain, plus the volatile
// block in progress, which a crash loses.
type simKernel struct {
	w *world
	// durable
	height int64
	hashes []string // hashes[h] is the activity hash committed at h
	// volatile, per process
	alive     bool
	signalled bool
	replay    bool  // the next block is height, already committed
	began     int64 // block begun, 0 if none
	ended     string
}

func (k *simKernel) start() {
	k.alive, k.signalled, k.replay, k.began, k.ended = true, false, false, 0, ""
}

func (k *simKernel) die() { k.alive, k.began, k.ended = false, 0, "" }

func (k *simKernel) init(c int64) (int64, string) {
	k.replay = k.height == c+1
	return k.height, k.hashes[k.height]
}

// begin answers BeginBlock: "" when it began, or an error. refused is the
// shutdown refusal (-32001) a kernel that has had SIGTERM may give instead
// of beginning a block.
func (k *simKernel) begin(h int64) (refused bool, err string) {
	if k.signalled {
		return true, "shutting down"
	}
	want := k.height + 1
	if k.replay {
		want = k.height
	}
	if h != want {
		k.w.violate("kernel got BeginBlock(%d) at kernel height %d (replay %v)", h, k.height, k.replay)
		return false, "height mismatch"
	}
	if c := k.w.cosmos.height; c != h-1 {
		k.w.violate("kernel got BeginBlock(%d) with cosmos at %d", h, c)
	}
	k.began, k.ended = h, ""
	return false, ""
}

func (k *simKernel) end(h int64) (string, string) {
	if k.began != h {
		k.w.violate("kernel got EndBlock(%d) without BeginBlock (began %d)", h, k.began)
		return "", "no block"
	}
	if k.replay {
		k.ended = k.hashes[h]
	} else {
		k.ended = nextActivity(k.hashes[h-1], h)
	}
	return k.ended, ""
}

func (k *simKernel) commit(h int64) (int64, bool, string) {
	if k.signalled {
		return 0, true, "shutting down"
	}
	if k.began != h || k.ended == "" {
		k.w.violate("kernel got Commit(%d) without a finished block (began %d)", h, k.began)
		return 0, false, "no block"
	}
	if k.replay {
		k.replay = false
	} else {
		k.w.noteKernelCommit(h)
		k.hashes = append(k.hashes, k.ended)
		k.height = h
	}
	k.began, k.ended = 0, ""
	return h, false, ""
}

// simCosmos is agd's store: durable height, AppHash and activity hash
// chains, plus the activity hash recorded for the block in progress.
type simCosmos struct {
	w        *world
	height   int64
	appHash  []string
	activity []string
	pendingH int64
	pending  string
}

func (c *simCosmos) record(h int64, hash string) { c.pendingH, c.pending = h, hash }

func (c *simCosmos) lose() { c.pendingH, c.pending = 0, "" }

func (c *simCosmos) commit(h int64) {
	if h != c.height+1 || c.pendingH != h {
		c.w.violate("cosmos commit of %d at height %d with activity recorded for %d", h, c.height, c.pendingH)
		return
	}
	if k := c.w.kernel.height; k < h {
		c.w.violate("cosmos commits %d before the kernel did (kernel at %d)", h, k)
	}
	c.w.noteCosmosCommit(h)
	app := nextAppHash(c.appHash[h-1], c.pending, h)
	if app != c.w.refAppHash(h) {
		c.w.violate("AppHash at %d is %s, an undisturbed run has %s", h, app, c.w.refApp[h])
	}
	c.appHash = append(c.appHash, app)
	c.activity = append(c.activity, c.pending)
	c.height = h
	c.lose()
}

// world holds both sides and what the checks need to know across them.
type world struct {
	kernel         simKernel
	cosmos         simCosmos
	refAct, refApp []string
	trace          []string
	violations     []string
	// life is the agd process now running, consulted by the commit checks.
	life *life
}

func newWorld() *world {
	w := &world{}
	w.refAct, w.refApp = reference(0)
	w.kernel = simKernel{w: w, hashes: []string{genesisActivity}}
	w.cosmos = simCosmos{w: w, appHash: []string{genesisAppHash}, activity: []string{""}}
	return w
}

func (w *world) logf(format string, args ...any) {
	w.trace = append(w.trace, fmt.Sprintf(format, args...))
}

func (w *world) violate(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	w.logf("VIOLATION: %s", msg)
	w.violations = append(w.violations, msg)
}

// noteKernelCommit checks property 1 on the kernel side: after agd's signal,
// the kernel commits only the block whose commit was asked for before it.
func (w *world) noteKernelCommit(h int64) {
	if l := w.life; l != nil && l.signalled && l.kernelCommitAtSignal != h {
		w.violate("kernel committed %d after agd's signal (commit outstanding at signal: %d)", h, l.kernelCommitAtSignal)
	}
}

// noteCosmosCommit checks property 1 on the cosmos side: after the signal,
// cosmos commits only the block whose commit, on its side or the kernel's,
// was outstanding at the signal.
func (w *world) noteCosmosCommit(h int64) {
	if l := w.life; l != nil && l.signalled && l.cosmosCommitAtSignal != h && l.kernelCommitAtSignal != h {
		w.violate("cosmos committed %d after agd's signal (commits outstanding at signal: cosmos %d, kernel %d)", h, l.cosmosCommitAtSignal, l.kernelCommitAtSignal)
	}
}

// refAppHash is the AppHash an undisturbed run has at h.
func (w *world) refAppHash(h int64) string {
	for int64(len(w.refApp)) <= h {
		n := int64(len(w.refApp))
		w.refAct = append(w.refAct, nextActivity(w.refAct[n-1], n))
		w.refApp = append(w.refApp, nextAppHash(w.refApp[n-1], w.refAct[n], n))
	}
	return w.refApp[h]
}

// checkChains compares both durable chains with an undisturbed run's.
func (w *world) checkChains() {
	for h := int64(1); h <= w.cosmos.height; h++ {
		if w.cosmos.appHash[h] != w.refAppHash(h) {
			w.violate("AppHash at %d differs from an undisturbed run", h)
		}
	}
	for h := int64(1); h <= w.kernel.height; h++ {
		w.refAppHash(h)
		if w.kernel.hashes[h] != w.refAct[h] {
			w.violate("kernel activity hash at %d differs from an undisturbed run", h)
		}
	}
}
