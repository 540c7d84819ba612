package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

// TestSignalsAreHeldBeforeCosmosInitialises: agd holds SIGTERM and SIGINT
// from its first package initialisation (internal/stopsignal), before the
// cosmos-sdk and CometBFT packages initialise (about 100 ms of the process's
// start), so a signal during that time no longer kills agd by the default
// action. Go's own trace of package initialisation gives the order, which is
// fixed for a given binary, so this check cannot pass or fail by chance.
func TestSignalsAreHeldBeforeCosmosInitialises(t *testing.T) {
	cmd := exec.Command(agdBinary(t), "version")
	cmd.Env = append(cmd.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("agd version: %v\n%s", err, out)
	}
	const holder = "github.com/agd-project/agd/internal/stopsignal"
	var order []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "init" {
			order = append(order, f[1])
		}
	}
	held := -1
	for i, pkg := range order {
		if pkg == holder {
			held = i
			break
		}
		if strings.HasPrefix(pkg, "github.com/cosmos/") || strings.HasPrefix(pkg, "cosmossdk.io/") ||
			strings.HasPrefix(pkg, "github.com/agd-project/") {
			t.Fatalf("%s initialises (package %d of %d) before %s", pkg, i, len(order), holder)
		}
	}
	if held < 0 {
		t.Fatalf("%s is not initialised in agd (%d packages traced)", holder, len(order))
	}
	t.Logf("%s is package %d of %d to initialise", holder, held, len(order))
}
