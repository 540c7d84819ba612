package flightrec

import (
	"fmt"
	"regexp"
	"strings"
)

// Where CometBFT v0.38 reports that this node's AppHash differs from the
// one the network committed (state/validation.go's "wrong
// Block.Header.AppHash. Expected <ours>, got <the block's>").
//
// The record is matched on what CometBFT structures, its message and its
// "err" key, and the mismatch itself on that error's text, because CometBFT
// v0.38 offers nothing sturdier: validateBlock returns a plain fmt.Errorf,
// with no error type or sentinel to match, the consensus routine recovers
// its panic and only logs it, and the network's AppHash, which the dump must
// name, is in that text alone (consensus panics before it saves the block).
const (
	// SourceConsensus: the consensus routine panicked on a block +2/3
	// committed or prevoted, logged "CONSENSUS FAILURE!!!" and stopped,
	// while the process keeps running.
	SourceConsensus = "consensus"
	// SourceBlocksync: after a restart, blocksync logs "Error in
	// validation" for the next block and retries forever.
	SourceBlocksync = "blocksync"
)

const (
	msgConsensusFailure = "CONSENSUS FAILURE!!!"
	msgBlocksyncInvalid = "Error in validation"
)

var appHashMismatch = regexp.MustCompile(`wrong Block\.Header\.AppHash\.\s+Expected ([0-9A-Fa-f]*), got ([0-9A-Fa-f]*)`)

// Mismatch is one report of this node's AppHash differing from the
// network's.
type Mismatch struct {
	Source string
	// OurAppHash is the AppHash this node computed for its last committed
	// block; NetworkAppHash is the one the network's next block carries.
	// Both are lower-case hex.
	OurAppHash     string
	NetworkAppHash string
	// Text is CometBFT's error text, as logged.
	Text string
}

// ID is the failure's name, <height>-<first 8 hex of our AppHash>: every
// node that computed the same wrong AppHash at the same height gets the
// same ID, so it is what to search for before reporting.
func (m Mismatch) ID(height int64) string {
	return fmt.Sprintf("%d-%s", height, prefix(m.OurAppHash, 8))
}

func prefix(s string, n int) string {
	if len(s) < n {
		return s
	}
	return s[:n]
}

// DetectAppHashMismatch reads one of CometBFT's log entries and reports
// whether it is an AppHash mismatch. Any other consensus failure is not one:
// it is left to be reported as itself.
func DetectAppHashMismatch(msg string, keyvals []any) (Mismatch, bool) {
	var source string
	switch msg {
	case msgConsensusFailure:
		source = SourceConsensus
	case msgBlocksyncInvalid:
		source = SourceBlocksync
	default:
		return Mismatch{}, false
	}
	for i := 0; i+1 < len(keyvals); i += 2 {
		if k, _ := keyvals[i].(string); k != "err" {
			continue
		}
		text := fmt.Sprint(keyvals[i+1])
		m := appHashMismatch.FindStringSubmatch(text)
		if m == nil {
			return Mismatch{}, false
		}
		return Mismatch{
			Source:         source,
			OurAppHash:     strings.ToLower(m[1]),
			NetworkAppHash: strings.ToLower(m[2]),
			Text:           text,
		}, true
	}
	return Mismatch{}, false
}
