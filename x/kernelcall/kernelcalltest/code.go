package kernelcalltest

import (
	"errors"
	"testing"

	"github.com/agd-project/agd/rpc"
)

// Code returns the JSON-RPC code and message of a kernel call's error,
// failing the test when err is not an *rpc.Error: every refusal agd gives the
// kernel must carry a code.
func Code(tb testing.TB, err error) (int64, string) {
	tb.Helper()
	var e *rpc.Error
	if !errors.As(err, &e) {
		tb.Fatalf("error %v is not an *rpc.Error", err)
	}
	return e.Code, e.Message
}
