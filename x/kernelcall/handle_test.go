package kernelcall

import (
	"testing"

	errorsmod "cosmossdk.io/errors"

	"github.com/agd-project/agd/rpc"
)

var errTestRegistered = errorsmod.Register("kernelcall-test", 2, "bad thing")

// TestInvalidParamsSaysOnlyTheErrorsText: a registered error's message
// reaches the kernel as its text alone, without the Go file and line that
// %v would add (the kernel may keep the message in its state, which must
// not depend on where agd was built).
func TestInvalidParamsSaysOnlyTheErrorsText(t *testing.T) {
	err := errorsmod.Wrapf(errTestRegistered, "%q is wrong", "a..b")
	got := InvalidParams("path", err)
	if want := `path: "a..b" is wrong: bad thing`; got.Code != rpc.CodeInvalidParams || got.Message != want {
		t.Fatalf("InvalidParams = %d %q, want %d %q", got.Code, got.Message, rpc.CodeInvalidParams, want)
	}
}
