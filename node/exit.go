package node

import (
	"errors"
	"fmt"
	"strings"

	"cosmossdk.io/log"
	"github.com/oklog/run"
)

// exitDecision turns the group's first error and the lifecycle machine's
// decision into agd's exit: the machine knows whether both sides stopped at
// consistent heights, so its exit code wins.
func exitDecision(logger log.Logger, groupErr error, kernel *runningKernel) (*cleanStop, error) {
	kernelHeight, cosmosHeight := kernel.driver.CommittedHeights()
	// The supervisor alone tells a death agd did not cause (a signal agd
	// never sent, a non-zero exit) from a kernel agd stopped or signalled:
	// it records every signal it sends.
	if kernel.child.DiedOnItsOwn() {
		logger.Error("the kernel died", "status", kernel.child.ExitStatus().String(), "report", kernel.child.Err().Error())
	}
	if stop, ok := kernel.driver.Decision(); ok {
		if stop.ExitCode == 0 {
			return &cleanStop{"shut down cleanly", []any{"reason", stop.Reason, "kernel_height", kernelHeight, "cosmos_height", cosmosHeight}}, nil
		}
		return nil, &ExitError{Code: stop.ExitCode, Err: fmt.Errorf("agd stopped: %s%s", stop.Reason, kernelDeath(stop.Reason, kernel))}
	}
	var sig *run.SignalError
	if errors.As(groupErr, &sig) {
		return &cleanStop{"shut down cleanly", []any{"signal", sig.Signal.String(), "kernel_height", kernelHeight, "cosmos_height", cosmosHeight}}, nil
	}
	if groupErr != nil {
		// No decision: a part other than the machine ended first (the
		// connection's EOF beats the kernel's reaping), so name how the
		// kernel ended here too.
		if death := kernelDeath(groupErr.Error(), kernel); death != "" {
			return nil, fmt.Errorf("%w%s", groupErr, death)
		}
	}
	return nil, groupErr
}

// kernelDeath is what to add to a stop reason that does not yet say how the
// kernel died, or "": when the kernel dies mid-call, the call's broken pipe
// reaches agd before the kernel's exit status does, and the last line agd
// writes must still name the cause.
func kernelDeath(reason string, kernel *runningKernel) string {
	if !kernel.child.DiedOnItsOwn() {
		return ""
	}
	if text := kernel.child.ExitStatus().String(); !strings.Contains(reason, text) {
		return "; the kernel's end: " + text
	}
	return ""
}
