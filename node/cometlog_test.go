package node

import (
	"context"
	"errors"
	"fmt"
	"testing"

	cmtlog "github.com/cometbft/cometbft/libs/log"

	"github.com/agd-project/agd/flightrec"
	"github.com/agd-project/agd/lifecycle/driver"
)

// TestCometLoggerReportsAppHashMismatch: the hook survives CometBFT's
// With() chains (consensus and blocksync log through derived loggers), and
// fires for AppHash mismatches only.
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

// TestCometLoggerTellsAgdsRefusalsFromFailures: a "CONSENSUS FAILURE!!!"
// is relabelled as agd's refusal when its value wraps driver.ErrStopping,
// or when it holds the whole text of a refusal that agd's kernel handed the
// app (CometBFT v0.38 logs finalizeCommit's panic as a string); a failure
// that merely quotes "agd is stopping", with no such refusal made, stays a
// consensus failure, as does any other.
func TestCometLoggerTellsAgdsRefusalsFromFailures(t *testing.T) {
	refused := &refusals{}
	logs := &cometRecorder{}
	consensus := cometLogger{Logger: logs, refusals: refused}.With("module", "consensus")

	// A real refusal: the lifecycle driver after a signal refuses block 5's commit.
	d := driver.New(driver.Config{Kernel: noCalls{t}, Notifier: noCalls{t}, ChainID: "test", Logger: newRecLog()})
	d.Signal("SIGTERM")
	kernel := refused.kernel(d)
	commitErr := kernel.Commit(context.Background(), 5)
	if !errors.Is(commitErr, driver.ErrStopping) {
		t.Fatalf("Commit after a signal: %v, want a refusal", commitErr)
	}
	appErr := fmt.Errorf("commit of block 5: %w", commitErr) // app.Commit's wrapping
	quoted := "failed to apply block; error commit of block 9: agd is stopping: block 9 refused: SIGTERM"

	for _, tc := range []struct {
		name    string
		failure any
		refusal bool
	}{
		{"the noted refusal, as CometBFT v0.38 logs it (a string)", fmt.Sprintf("failed to apply block; error %v", appErr), true},
		{"an error that wraps ErrStopping", fmt.Errorf("+2/3 committed an invalid block: %w", appErr), true},
		{"a failure that quotes agd's words, with no such refusal made", quoted, false},
		{"a failure of CometBFT's own", "failed to apply block; error open blockstore: disk full", false},
		{"no value at all", nil, false},
	} {
		logs.lines = nil
		consensus.Error("CONSENSUS FAILURE!!!", "err", tc.failure, "stack", "...")
		want := "error CONSENSUS FAILURE!!!"
		if tc.refusal {
			want = "info consensus stopped: agd refused the block"
		}
		if len(logs.lines) != 1 || logs.lines[0] != want {
			t.Errorf("%s: logged %q, want [%q]", tc.name, logs.lines, want)
		}
	}

	// Only refusals are noted: a failed notification is the kernel's end.
	sendErr := errors.New("send vbank.BalanceUpdate: connection closed")
	if got := refused.note(sendErr); got != sendErr || len(refused.texts) != 1 {
		t.Fatalf("note(%v) = %v, kept %q; want the error back and only the one refusal kept", sendErr, got, refused.texts)
	}
}

// cometRecorder is a CometBFT logger that keeps "level msg" lines.
type cometRecorder struct{ lines []string }

func (r *cometRecorder) Debug(msg string, _ ...any) { r.lines = append(r.lines, "debug "+msg) }
func (r *cometRecorder) Info(msg string, _ ...any)  { r.lines = append(r.lines, "info "+msg) }
func (r *cometRecorder) Error(msg string, _ ...any) { r.lines = append(r.lines, "error "+msg) }
func (r *cometRecorder) With(...any) cmtlog.Logger  { return r }
