package supervisor

import (
	"slices"
	"testing"
)

// TestKernelEnv: a given base environment is the child's, not agd's, with
// stale transport variables and NODE_CHANNEL_FD dropped and ours appended;
// a nil base is agd's own environment.
func TestKernelEnv(t *testing.T) {
	t.Setenv("SUPERVISOR_TEST_AGD_ONLY", "agd")
	got := kernelEnv([]string{"A=1"}, "/state")
	want := []string{"A=1", "AGVM_FROM_AGD=4", "AGVM_TO_AGD=5", "AGVM_STATE_DIR=/state"}
	if !slices.Equal(got, want) {
		t.Errorf("kernelEnv([A=1]) = %q, want %q", got, want)
	}
	got = kernelEnv([]string{"AGVM_STATE_DIR=/stale", "B=2", "NODE_CHANNEL_FD=3", "AGVM_FROM_AGD=9", "AGVM_TO_AGD=9"}, "/state")
	want = []string{"B=2", "AGVM_FROM_AGD=4", "AGVM_TO_AGD=5", "AGVM_STATE_DIR=/state"}
	if !slices.Equal(got, want) {
		t.Errorf("kernelEnv(stale copies) = %q, want %q", got, want)
	}
	if got := kernelEnv(nil, "/state"); !slices.Contains(got, "SUPERVISOR_TEST_AGD_ONLY=agd") || !slices.Contains(got, "AGVM_STATE_DIR=/state") {
		t.Errorf("kernelEnv(nil) = %q, want agd's environment plus the transport", got)
	}
}
