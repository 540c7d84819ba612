package main

// exitCodeError carries the process exit code a command wants, for the
// cases where 1 is not the right one (`agd flightrec diff` exits 1 for
// "they differ" without printing a failure's usage).
type exitCodeError struct {
	code int
	err  error
}

func (e exitCodeError) Error() string { return e.err.Error() }
func (e exitCodeError) Unwrap() error { return e.err }

// ExitCode is the process exit code the command wants.
func (e exitCodeError) ExitCode() int { return e.code }

// exitCoder is an error that names agd's exit code: exitCodeError, and
// node.ExitError from `agd start`.
type exitCoder interface {
	error
	ExitCode() int
}
