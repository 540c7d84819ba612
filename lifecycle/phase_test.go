package lifecycle

import "testing"

// TestPhaseString names every phase, the first and the last included, and
// only those.
func TestPhaseString(t *testing.T) {
	for p, want := range map[Phase]string{PhaseNew: "new", PhaseIdle: "idle", PhaseStopped: "stopped", PhaseRestoring: "restoring", -1: "Phase(?)", PhaseStopped + 1: "Phase(?)"} {
		if got := p.String(); got != want {
			t.Errorf("Phase(%d).String() = %q, want %q", int(p), got, want)
		}
	}
}
