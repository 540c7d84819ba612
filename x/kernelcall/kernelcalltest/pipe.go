// Package kernelcalltest connects a test to an agd-side rpc.Mux over real
// pipes, the way the kernel child reaches agd.
package kernelcalltest

import (
	"os"
	"testing"

	"github.com/agd-project/agd/rpc"
)

// Kernel returns the kernel's end of a connection whose agd end serves mux.
// Both ends close when the test ends.
func Kernel(tb testing.TB, mux *rpc.Mux) *rpc.Conn {
	tb.Helper()
	toAgdR, toAgdW, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	toKernelR, toKernelW, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	agd := rpc.NewConn(toAgdR, toKernelW, mux)
	kernel := rpc.NewConn(toKernelR, toAgdW, nil)
	tb.Cleanup(func() {
		kernel.Close()
		agd.Close()
	})
	return kernel
}
