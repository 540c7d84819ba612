package node

import (
	cmtlog "github.com/cometbft/cometbft/libs/log"

	"github.com/agd-project/agd/flightrec"
)

// cometLogger wraps the logger handed to CometBFT. When agd refuses a block
// (shutdown, a dead or misbehaving kernel), CometBFT's consensus routine
// recovers the resulting panic and logs "CONSENSUS FAILURE!!!" with a stack
// trace. That is agd stopping on purpose, not a consensus failure, so it is
// logged as what it is (see refusals for how it is told apart); real
// consensus failures pass through unchanged.
//
// The logger is also where CometBFT reports an AppHash mismatch (there is
// no other hook: the consensus routine recovers its own panic), so
// appHashMismatch, when set, hears of each one, whether from consensus or,
// after a restart, from blocksync.
type cometLogger struct {
	cmtlog.Logger
	appHashMismatch func(flightrec.Mismatch)
	// refusals are the blocks agd refused; nil: none can be.
	refusals *refusals
}

func (l cometLogger) Error(msg string, keyvals ...any) {
	if l.appHashMismatch != nil {
		if m, ok := flightrec.DetectAppHashMismatch(msg, keyvals); ok {
			l.Logger.Error(msg, keyvals...)
			l.appHashMismatch(m)
			return
		}
	}
	// The consensus routine's record of a recovered panic: its message,
	// and the panic's value under "err" (consensus/state.go, receiveRoutine).
	if msg == "CONSENSUS FAILURE!!!" && l.refusals != nil {
		if failure, ok := valueOf(keyvals, "err"); ok {
			if reason, ok := l.refusals.explain(failure); ok {
				l.Logger.Info("consensus stopped: agd refused the block", "reason", reason)
				return
			}
		}
	}
	l.Logger.Error(msg, keyvals...)
}

func (l cometLogger) With(keyvals ...any) cmtlog.Logger {
	return cometLogger{Logger: l.Logger.With(keyvals...), appHashMismatch: l.appHashMismatch, refusals: l.refusals}
}

// valueOf is the value of key in a log entry's key-value pairs.
func valueOf(keyvals []any, key string) (any, bool) {
	for i := 0; i+1 < len(keyvals); i += 2 {
		if k, _ := keyvals[i].(string); k == key {
			return keyvals[i+1], true
		}
	}
	return nil, false
}
