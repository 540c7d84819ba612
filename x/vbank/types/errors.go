package types

// CodeInsufficientFunds is the JSON-RPC error code vbank.Give and vbank.Grab
// answer when the payer has less than the amount; the arguments were valid,
// so it is neither -32602 nor an internal error (docs/protocol.md).
const CodeInsufficientFunds int64 = -32010
