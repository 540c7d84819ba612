package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestFourFoldersAgree: four validators whose kernels run from four copies of
// agvm in four different folders agree on every AppHash for 30 blocks of
// contract traffic. Bundle building is a consensus matter (a bundle built in
// another folder hashes differently), so the kernel runs the committed,
// checked bundles wherever it is installed; a node whose kernel computed
// anything else would stop at the first block it disagreed on.
func TestFourFoldersAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real chains")
	}
	const validators = 4
	ln := newLocalnet(t, validators)
	nodes := make([]*runningNode, validators)
	for i := range nodes {
		// A copy of agvm of its own, files hard-linked: another path, the
		// same bytes.
		dir := filepath.Join(t.TempDir(), fmt.Sprintf("install-%d", i), "agvm")
		if out, err := exec.Command("mkdir", "-p", filepath.Dir(dir)).CombinedOutput(); err != nil {
			t.Fatalf("mkdir: %v\n%s", err, out)
		}
		if out, err := exec.Command("cp", "-al", filepath.Join(repoRoot(t), "agvm"), dir).CombinedOutput(); err != nil {
			t.Fatalf("copy agvm to %s: %v\n%s", dir, err, out)
		}
		nodes[i] = ln.start(t, i, "--split", "--agvm-dir", dir)
	}
	start := ln.waitHeight(t, 0, 2, 120*time.Second, nodes[0])

	vat := installTipjar(t, ln)
	for n := 0; n < 5; n++ {
		tx := sendTx(t, ln, "swingset", "deliver", vat, "increment", "[]")
		if o := waitOutcome(t, ln, "deliver", tx.ActionID); o.Error != "" {
			t.Fatalf("delivery %d: %s", n, o.Error)
		}
	}
	top := start + 30
	for i := range nodes {
		ln.waitHeight(t, i, top, 180*time.Second, nodes[i])
	}
	for h := start; h <= top; h++ {
		want := appHashAtNode(t, ln, 0, h)
		for i := 1; i < validators; i++ {
			if got := appHashAtNode(t, ln, i, h); got != want {
				t.Fatalf("block %d: node%d's AppHash %s, node0's %s", h, i, got, want)
			}
		}
	}
	t.Logf("4 kernels from 4 folders agreed on the AppHashes of blocks %d..%d, with a contract installed and 5 deliveries", start, top)
}
