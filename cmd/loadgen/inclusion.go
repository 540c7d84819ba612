package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	coretypes "github.com/cometbft/cometbft/rpc/core/types"
)

// inclusionWatcher follows the chain block by block and tells waiting cycles
// when their transaction landed. One reader fetching each block and its
// results replaces a /tx poll per transaction, which at a few hundred
// transactions a second made loadgen's own queries a large share of the
// node's CPU and skewed what was measured.
type inclusionWatcher struct {
	tc *txClient

	mu      sync.Mutex
	waiting map[string]chan *coretypes.ResultTx
	seen    map[string]*coretypes.ResultTx // landed before anyone waited
	order   []string                       // seen's keys, oldest first
}

// seenLimit bounds how many landed transactions are remembered for a cycle
// that registers late (after its block was read).
const seenLimit = 100_000

func newInclusionWatcher(tc *txClient) *inclusionWatcher {
	return &inclusionWatcher{tc: tc, waiting: map[string]chan *coretypes.ResultTx{}, seen: map[string]*coretypes.ResultTx{}}
}

// run reads every block from the current height on until ctx ends.
func (w *inclusionWatcher) run(ctx context.Context) {
	next, err := w.tc.height(ctx)
	for err != nil {
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
		next, err = w.tc.height(ctx)
	}
	for ctx.Err() == nil {
		top, err := w.tc.height(ctx)
		if err != nil || top < next {
			select {
			case <-ctx.Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		for ; next <= top && ctx.Err() == nil; next++ {
			if err := w.readBlock(ctx, next); err != nil {
				break // retried on the next round
			}
		}
	}
}

func (w *inclusionWatcher) readBlock(ctx context.Context, height int64) error {
	h := height
	block, err := w.tc.rpc.Block(ctx, &h)
	if err != nil {
		return err
	}
	results, err := w.tc.rpc.BlockResults(ctx, &h)
	if err != nil {
		return err
	}
	if len(results.TxsResults) != len(block.Block.Txs) {
		return fmt.Errorf("block %d: %d txs but %d results", height, len(block.Block.Txs), len(results.TxsResults))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, tx := range block.Block.Txs {
		res := &coretypes.ResultTx{Hash: tx.Hash(), Height: height, Index: uint32(i), TxResult: *results.TxsResults[i], Tx: tx}
		key := string(res.Hash)
		if ch, ok := w.waiting[key]; ok {
			delete(w.waiting, key)
			ch <- res
			continue
		}
		w.seen[key] = res
		w.order = append(w.order, key)
		if len(w.order) > seenLimit {
			delete(w.seen, w.order[0])
			w.order = w.order[1:]
		}
	}
	return nil
}

// wait returns the transaction's result once its block has been read.
func (w *inclusionWatcher) wait(ctx context.Context, hash []byte) (*coretypes.ResultTx, error) {
	key := string(hash)
	w.mu.Lock()
	if res, ok := w.seen[key]; ok {
		delete(w.seen, key)
		w.mu.Unlock()
		return res, nil
	}
	ch := make(chan *coretypes.ResultTx, 1)
	w.waiting[key] = ch
	w.mu.Unlock()
	select {
	case res := <-ch:
		return res, nil
	case <-ctx.Done():
		w.mu.Lock()
		delete(w.waiting, key)
		w.mu.Unlock()
		return nil, fmt.Errorf("tx %X not included: %w", hash, ctx.Err())
	}
}
