package node

import (
	"errors"
	"fmt"
	"testing"

	cmtlog "github.com/cometbft/cometbft/libs/log"

	"github.com/agd-project/agd/flightrec"
	"github.com/agd-project/agd/lifecycle/driver"
)

// TestCometLoggerReportsAppHashMismatch: the hook survives CometBFT's
// With() chains (consensus and blocksync log through derived loggers), fires
// for AppHash mismatches only, and agd's own refusals stay relabelled.
func TestCometLoggerReportsAppHashMismatch(t *testing.T) {
	var got []flightrec.Mismatch
	base := cometLogger{Logger: cmtlog.NewNopLogger(), appHashMismatch: func(m flightrec.Mismatch) { got = append(got, m) }}
	consensus := base.With("module", "consensus").With("height", 7)
	blocksync := base.With("module", "blocksync")

	consensus.Error("CONSENSUS FAILURE!!!", "err", errors.New("+2/3 committed an invalid block: wrong Block.Header.AppHash.  Expected AABBCCDDEE, got 1122"), "stack", "...")
	consensus.Error("CONSENSUS FAILURE!!!", "err", fmt.Errorf("refused: %w", driver.ErrStopping), "stack", "...")
	consensus.Error("CONSENSUS FAILURE!!!", "err", "failed to apply block; error boom", "stack", "...")
	blocksync.Error("Error in validation", "height", 8, "err", errors.New("wrong Block.Header.AppHash.  Expected AABBCCDDEE, got 1122"))
	blocksync.Error("Error in validation", "height", 8, "err", errors.New("invalid commit"))

	if len(got) != 2 || got[0].Source != flightrec.SourceConsensus || got[1].Source != flightrec.SourceBlocksync ||
		got[0].OurAppHash != "aabbccddee" || got[0].NetworkAppHash != "1122" {
		t.Fatalf("reported %+v, want the consensus and the blocksync mismatch only", got)
	}
}
