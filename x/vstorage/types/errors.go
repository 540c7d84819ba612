package types

import (
	errorsmod "cosmossdk.io/errors"
	"google.golang.org/grpc/codes"
)

// x/vstorage's registered errors, as x/bank registers its own: a query for
// a bad path answers gRPC's InvalidArgument with codespace "vstorage" and
// one of these codes, so a client can tell a bad path from a failure of the
// node without reading text. The kernel sees the same errors as JSON-RPC
// -32602 (docs/protocol.md), their text naming what was wrong. Codes are
// never reused or renumbered.
var (
	ErrInvalidPath   = errorsmod.RegisterWithGRPCCode(ModuleName, 2, codes.InvalidArgument, "invalid path")
	ErrValueTooLarge = errorsmod.RegisterWithGRPCCode(ModuleName, 3, codes.InvalidArgument, "value too large")
)
