package node

import (
	"fmt"
	"strings"

	cmtlog "github.com/cometbft/cometbft/libs/log"

	"github.com/agd-project/agd/flightrec"
	"github.com/agd-project/agd/lifecycle/driver"
)

// cometLogger wraps the logger handed to CometBFT. When agd refuses a block
// (shutdown, a dead or misbehaving kernel), CometBFT's consensus routine
// recovers the resulting panic and logs "CONSENSUS FAILURE!!!" with a stack
// trace. That is agd stopping on purpose, not a consensus failure, so it is
// logged as what it is; real consensus failures pass through unchanged.
//
// The logger is also where CometBFT reports an AppHash mismatch (there is
// no other hook: the consensus routine recovers its own panic), so
// appHashMismatch, when set, hears of each one, whether from consensus or,
// after a restart, from blocksync.
type cometLogger struct {
	cmtlog.Logger
	appHashMismatch func(flightrec.Mismatch)
}

func (l cometLogger) Error(msg string, keyvals ...any) {
	if l.appHashMismatch != nil {
		if m, ok := flightrec.DetectAppHashMismatch(msg, keyvals); ok {
			l.Logger.Error(msg, keyvals...)
			l.appHashMismatch(m)
			return
		}
	}
	if msg == "CONSENSUS FAILURE!!!" {
		if reason, ok := refusalIn(keyvals); ok {
			l.Logger.Info("consensus stopped: agd refused the block", "reason", reason)
			return
		}
	}
	l.Logger.Error(msg, keyvals...)
}

func (l cometLogger) With(keyvals ...any) cmtlog.Logger {
	return cometLogger{Logger: l.Logger.With(keyvals...), appHashMismatch: l.appHashMismatch}
}

// refusalIn finds the "err" value of a log entry and reports whether it is
// one of agd's own refusals.
func refusalIn(keyvals []any) (string, bool) {
	for i := 0; i+1 < len(keyvals); i += 2 {
		if k, _ := keyvals[i].(string); k == "err" {
			text := fmt.Sprint(keyvals[i+1])
			if strings.Contains(text, driver.ErrStopping.Error()) {
				return text, true
			}
		}
	}
	return "", false
}
