package lifecycle

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

var (
	schedules = flag.Int("lifecycle.schedules", 3000, "random schedules per property test")
	firstSeed = flag.Uint64("lifecycle.first", 1, "first schedule seed, to explore other ranges")
	seedFlag  = flag.Uint64("lifecycle.seed", 0, "replay only this schedule seed")
)

// runSchedule is one random history: a few agd lives with random faults and
// restarts, then an undisturbed life that must carry the chain on with the
// AppHashes of an undisturbed run (property 3).
func runSchedule(seed uint64, stats map[string]int) *world {
	rng := rand.New(rand.NewPCG(seed, 0x11fec1c1e))
	w := newWorld()
	lives := 1 + rng.IntN(6)
	for range lives {
		newLife(w, rng, randomFaults(rng), stats).run(40+rng.IntN(120), 1<<30)
	}
	start := w.cosmos.height
	target := start + 3
	l := newLife(w, rng, faults{}, stats)
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

func TestRandomSchedules(t *testing.T) {
	first, n := *firstSeed, uint64(*schedules)
	if *seedFlag != 0 {
		first, n = *seedFlag, 1
	}
	stats := map[string]int{}
	for seed := first; seed < first+n; seed++ {
		w := runSchedule(seed, stats)
		if len(w.violations) > 0 {
			t.Fatalf("seed %d (rerun with -lifecycle.seed=%d): %s\ntrace (last 80 lines):\n%s",
				seed, seed, w.violations[0], strings.Join(w.trace[max(0, len(w.trace)-80):], "\n"))
		}
	}
	if *seedFlag != 0 {
		return
	}
	// The schedules must reach the situations the properties are about;
	// otherwise passing says little.
	for _, want := range []string{
		"signal in phase idle", "signal in phase beginning", "signal in phase in block",
		"signal in phase ending", "signal in phase ended", "signal in phase committing",
		"signal in phase cosmos committing", "signal in phase initializing",
		"clean exit with the kernel one block ahead", "restart with the kernel one block ahead",
		"kernel crash in phase committing", "agd crash in phase cosmos committing",
		"failure exit", "commit refused without agd's signal",
		"kernel exit fed after the signal during commit",
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
	rng := rand.New(rand.NewPCG(4, 4))
	for range 5000 {
		c := rng.Int64N(50)
		k := rng.Int64N(60) - 5
		if rng.IntN(4) == 0 {
			k = c + rng.Int64N(3)
		}
		m := New()
		m.Handle(Started{CosmosHeight: c})
		acts := m.Handle(KernelInitialized{KernelHeight: k, ActivityHash: "h"})
		if k == c || k == c+1 {
			if len(acts) != 0 || m.Phase() != PhaseIdle {
				t.Fatalf("K=%d C=%d: %s, phase %s", k, c, fmtActions(acts), m.Phase())
			}
			continue
		}
		s, ok := m.Stopped()
		if !ok || len(acts) != 1 || acts[0] != s || s.ExitCode != 1 ||
			!strings.Contains(s.Reason, fmt.Sprintf("kernel height %d", k)) ||
			!strings.Contains(s.Reason, fmt.Sprintf("cosmos height %d", c)) {
			t.Fatalf("K=%d C=%d: %s", k, c, fmtActions(acts))
		}
	}
}
