package lifecycle

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

var (
	schedules = flag.Int("lifecycle.schedules", 3000, "seeded schedules in TestSchedulesReachEverySituation")
	firstSeed = flag.Uint64("lifecycle.first", 1, "first schedule seed, to explore other ranges")
	seedFlag  = flag.Uint64("lifecycle.seed", 0, "replay only this schedule seed")
)

// runSchedule is one random history: a few agd lives with random faults and
// restarts, then an undisturbed life that must carry the chain on with the
// AppHashes of an undisturbed run (property 3).
func runSchedule(c choices, stats map[string]int) *world {
	w := newWorld()
	lives := 1 + c.IntN(6)
	for range lives {
		newLife(w, c, randomFaults(c), stats).run(40+c.IntN(120), 1<<30)
	}
	start := w.cosmos.height
	target := start + 3
	l := newLife(w, c, faults{}, stats)
	l.run(1000, target)
	if l.stop != nil {
		w.violate("an undisturbed life stopped: %+v", *l.stop)
	}
	if w.cosmos.height < target {
		w.violate("an undisturbed life from %d reached only %d", start, w.cosmos.height)
	}
	w.checkChains()
	return w
}

// rapidChoices draws a schedule's choices from rapid, so that a failing
// schedule shrinks to a minimal one: fewer lives, fewer faults, fewer steps.
type rapidChoices struct{ t *rapid.T }

func (c rapidChoices) IntN(n int) int { return rapid.IntRange(0, n-1).Draw(c.t, "choice") }

// TestRandomSchedules checks the properties on rapid's random schedules
// (-rapid.checks, default 100; -rapid.seed replays a run). A failure is
// shrunk, and reported with the trace of the minimal schedule.
func TestRandomSchedules(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w := runSchedule(rapidChoices{rt}, map[string]int{})
		if len(w.violations) > 0 {
			rt.Fatalf("%s\ntrace (last 80 lines):\n%s", w.violations[0], strings.Join(w.trace[max(0, len(w.trace)-80):], "\n"))
		}
	})
}

// TestSchedulesReachEverySituation runs a fixed range of seeded schedules,
// so it passes or fails the same way every time, checks the properties on
// each, and requires the schedules to reach the situations the properties
// are about: otherwise passing would say little.
func TestSchedulesReachEverySituation(t *testing.T) {
	first, n := *firstSeed, uint64(*schedules)
	if *seedFlag != 0 {
		first, n = *seedFlag, 1
	}
	stats := map[string]int{}
	for seed := first; seed < first+n; seed++ {
		w := runSchedule(rand.New(rand.NewPCG(seed, 0x11fec1c1e)), stats)
		if len(w.violations) > 0 {
			t.Fatalf("seed %d (rerun with -lifecycle.seed=%d): %s\ntrace (last 80 lines):\n%s",
				seed, seed, w.violations[0], strings.Join(w.trace[max(0, len(w.trace)-80):], "\n"))
		}
	}
	if *seedFlag != 0 {
		return
	}
	for _, want := range []string{
		"signal in phase idle", "signal in phase beginning", "signal in phase in block",
		"signal in phase ending", "signal in phase ended", "signal in phase committing",
		"signal in phase cosmos committing", "signal in phase initializing",
		"clean exit with the kernel one block ahead", "restart with the kernel one block ahead",
		"kernel crash in phase committing", "agd crash in phase cosmos committing",
		"failure exit", "commit refused without agd's signal",
		"kernel exit fed after the signal during commit",
		"cosmos commit after the signal, the kernel's having been in flight",
		"begin refused after agd's signal", "begin refused without agd's signal",
		"init failed after agd's signal",
	} {
		if stats[want] == 0 {
			t.Errorf("no schedule reached %q", want)
		}
	}
	if testing.Verbose() {
		for k, v := range stats {
			t.Logf("%6d %s", v, k)
		}
	}
}

// TestIrreconcilableHeights is property 4: any pair but K == C and
// K == C+1 stops agd non-zero naming both heights, and asks nothing more.
func TestIrreconcilableHeights(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		c := rapid.Int64Range(0, 50).Draw(rt, "cosmos")
		k := rapid.Int64Range(-5, 60).Draw(rt, "kernel")
		m := New()
		m.Handle(Started{CosmosHeight: c})
		acts := m.Handle(KernelInitialized{KernelHeight: k, ActivityHash: "h"})
		if k == c || k == c+1 {
			if len(acts) != 0 || m.Phase() != PhaseIdle {
				rt.Fatalf("K=%d C=%d: %s, phase %s", k, c, fmtActions(acts), m.Phase())
			}
			return
		}
		s, ok := m.Stopped()
		if !ok || len(acts) != 1 || acts[0] != s || s.ExitCode != 1 ||
			!strings.Contains(s.Reason, fmt.Sprintf("kernel height %d", k)) ||
			!strings.Contains(s.Reason, fmt.Sprintf("cosmos height %d", c)) {
			rt.Fatalf("K=%d C=%d: %s", k, c, fmtActions(acts))
		}
	})
}
