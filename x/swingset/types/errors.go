package types

import errorsmod "cosmossdk.io/errors"

// x/swingset's registered errors, as x/bank registers its own: a refused
// transaction carries codespace "swingset" and one of these codes, so a
// client can tell a bad bundle from a bad delivery without reading text.
// Codes are never reused or renumbered.
var (
	ErrInvalidBundle   = errorsmod.Register(ModuleName, 2, "invalid bundle")
	ErrBundleTooLarge  = errorsmod.Register(ModuleName, 3, "bundle too large")
	ErrInvalidDelivery = errorsmod.Register(ModuleName, 4, "invalid delivery")
	ErrInvalidFunds    = errorsmod.Register(ModuleName, 5, "invalid funds")
)
