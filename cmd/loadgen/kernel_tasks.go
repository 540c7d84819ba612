package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	coretypes "github.com/cometbft/cometbft/rpc/core/types"

	swingsettypes "github.com/agd-project/agd/x/swingset/types"
	vstoragetypes "github.com/agd-project/agd/x/vstorage/types"
)

// deliverCycle sends MsgDeliverInbound to the example contract (the
// built-in faucet's cheap `record`) and ends when the kernel has published
// the delivery's outcome in vstorage.
func deliverCycle(tc *txClient, accounts []*account) cycleFunc {
	return func(ctx context.Context, n int64) (cycleResult, error) {
		from := accounts[int(n)%len(accounts)]
		args, _ := json.Marshal([]any{fmt.Sprintf("lg%d", n), n})
		msg := &swingsettypes.MsgDeliverInbound{Submitter: from.address.String(), Target: "faucet", Method: "record", Args: string(args)}
		res, err := submitAndWait(ctx, tc, func(ctx context.Context) ([]byte, error) {
			return tc.broadcast(ctx, from, msg)
		})
		if err != nil {
			return res, err
		}
		return res, awaitOutcome(ctx, tc, "deliver", res.Included)
	}
}

// installCycle installs the counter contract (a real endoZipBase64 bundle,
// embedded) and ends when the kernel has published the new vat's ID. Every
// install makes a new vat, even of the same bundle.
func installCycle(tc *txClient, accounts []*account) cycleFunc {
	return func(ctx context.Context, n int64) (cycleResult, error) {
		from := accounts[int(n)%len(accounts)]
		msg := &swingsettypes.MsgInstallBundle{Submitter: from.address.String(), Bundle: counterBundle}
		res, err := submitAndWait(ctx, tc, func(ctx context.Context) ([]byte, error) {
			return tc.broadcastWithGas(ctx, from, 20_000_000, msg)
		})
		if err != nil {
			return res, err
		}
		return res, awaitOutcome(ctx, tc, "install", res.Included)
	}
}

// counterBundle is counter/contract.js as bundle-source writes it (see
// that file for how to rebuild it).
//
//go:embed bundle-counter.json
var counterBundle string

// awaitOutcome waits until the kernel published the outcome of the action
// the transaction queued, and returns the outcome's error if it has one.
func awaitOutcome(ctx context.Context, tc *txClient, kind string, included *coretypes.ResultTx) error {
	id := actionID(included)
	if id == "" {
		return fmt.Errorf("tx in block %d queued no swingset action", included.Height)
	}
	path := fmt.Sprintf("published.swingset.%s.%s", kind, id)
	q := vstoragetypes.NewQueryClient(tc.clientCtx)
	for {
		res, err := q.Data(ctx, &vstoragetypes.QueryDataRequest{Path: path})
		if err == nil && res.Has {
			var outcome struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal([]byte(res.Value), &outcome); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if outcome.Error != "" {
				return fmt.Errorf("%s %s failed in the kernel: %s", kind, id, outcome.Error)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s never published: %w", path, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// actionID reads x/swingset's swingset_action_queued event.
func actionID(res *coretypes.ResultTx) string {
	for _, e := range res.TxResult.Events {
		if e.Type != swingsettypes.EventTypeActionQueued {
			continue
		}
		for _, a := range e.Attributes {
			if a.Key == swingsettypes.AttributeKeyActionID {
				return a.Value
			}
		}
	}
	return ""
}
