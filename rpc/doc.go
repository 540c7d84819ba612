// Package rpc is agd's side of the wire to the kernel child: JSON-RPC 1.0
// messages, one per line, over a pair of pipes (see docs/protocol.md).
//
// It exists because stock github.com/sourcegraph/jsonrpc2 speaks 2.0 shapes,
// numbers requests from 0, drops connections on v1 string errors, deadlocks
// when a handler calls back into the peer and only logs why a connection
// closed. Stream pins the v1 shapes and satisfies jsonrpc2.ObjectStream; Conn
// is the symmetric connection agd uses: both sides call each other, nested
// calls never deadlock, incoming requests are handled one at a time in
// arrival order, and the cause of a close is returned, not logged.
package rpc
