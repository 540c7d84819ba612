package main

import "errors"

// exitCodeError carries the process exit code a command wants, for the
// cases where 1 is not the right one (a clean shutdown that still has to
// report something).
type exitCodeError struct {
	code int
	err  error
}

func (e exitCodeError) Error() string { return e.err.Error() }
func (e exitCodeError) Unwrap() error { return e.err }

func asExitCode(err error, target *exitCodeError) bool { return errors.As(err, target) }
