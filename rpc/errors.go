package rpc

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/sourcegraph/jsonrpc2"
)

// Error codes of docs/protocol.md. The JSON-RPC ones are jsonrpc2's so both
// packages agree on what a code means.
const (
	CodeParseError     = jsonrpc2.CodeParseError     // a line that is not JSON; the connection closes
	CodeInvalidRequest = jsonrpc2.CodeInvalidRequest // not a request, notification or response shape
	CodeMethodNotFound = jsonrpc2.CodeMethodNotFound
	CodeInvalidParams  = jsonrpc2.CodeInvalidParams
	CodeInternalError  = jsonrpc2.CodeInternalError
	CodeShuttingDown   = -32001 // the kernel refuses swingset.Commit after SIGTERM
	CodeNoBlock        = -32002 // a kernel→agd call outside swingset.EndBlock
	CodeHeightMismatch = -32003 // the request's height does not follow the committed one
)

// Error is an error response, the peer's or ours. Handlers return it (or an
// error wrapping it) to choose the code the peer sees; callers get it back
// from Call and tell codes apart with errors.As.
type Error struct {
	Code    int64
	Message string
	// Data is the optional "data" member as raw JSON; nil means absent.
	Data []byte
}

func (e *Error) Error() string {
	return "rpc error " + strconv.FormatInt(e.Code, 10) + ": " + e.Message
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code int64, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrClosed is the cause of a close that this side asked for with Close.
var ErrClosed = errors.New("rpc: connection closed")

// ProtocolError is a line the peer sent that breaks the framing or the
// message shapes. The connection closes on it; Head lets whoever reads the
// cause see what the peer sent.
type ProtocolError struct {
	Code   int64  // CodeParseError or CodeInvalidRequest
	Reason string // what is wrong with the line
	Head   []byte // the line's first bytes, at most headLen of them
}

// headLen is how much of an offending line a ProtocolError keeps.
const headLen = 200

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("rpc: protocol error %d: %s; line starts %q", e.Code, e.Reason, e.Head)
}

func newProtocolError(code int64, reason string, line []byte) *ProtocolError {
	head := line
	if len(head) > headLen {
		head = head[:headLen]
	}
	return &ProtocolError{Code: code, Reason: reason, Head: append([]byte(nil), head...)}
}
