package main

import (
	"context"

	"errors"
	"fmt"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// stage is a stretch of a task's run at one rate.
type stage struct {
	Rate     float64 // cycles started per second
	Duration time.Duration
}

// parseStages reads "RATE/s:DURATION,..." (e.g. "2/s:20s,5/s:40s").
func parseStages(s string) ([]stage, error) {
	var out []stage
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		rateText, durText, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("stage %q: want RATE/s:DURATION", part)
		}
		rate, err := strconv.ParseFloat(strings.TrimSuffix(rateText, "/s"), 64)
		if err != nil || rate < 0 {
			return nil, fmt.Errorf("stage %q: bad rate %q", part, rateText)
		}
		d, err := time.ParseDuration(durText)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("stage %q: bad duration %q", part, durText)
		}
		out = append(out, stage{Rate: rate, Duration: d})
	}
	return out, nil
}

// cycleResult is what one cycle of a task measured.
type cycleResult struct {
	// SubmitMs is how long the node took to accept the transaction.
	SubmitMs float64
	// InclusionMs is from submission until the transaction was in a block.
	InclusionMs float64
	// Height is the block the transaction landed in.
	Height int64
	// Included is what the chain recorded for the transaction.
	Included *coretypes.ResultTx
}

// cycleFunc runs one cycle; n numbers the task's cycles from 0.
type cycleFunc func(ctx context.Context, n int64) (cycleResult, error)

// task runs cycles in stages, at most concurrency at once.
type task struct {
	name        string
	stages      []stage
	concurrency int
	cycle       cycleFunc

	started, succeeded, failed, skipped atomic.Int64
}

// run starts cycles at each stage's rate until the stages are done or ctx
// ends, then waits for the cycles in flight. A tick that finds every slot
// busy is counted as skipped: the chain, not loadgen, is the bottleneck.
func (t *task) run(ctx context.Context, rec *recorder) {
	slots := make(chan struct{}, t.concurrency)
	var wg sync.WaitGroup
	var n atomic.Int64
	for _, st := range t.stages {
		if st.Rate == 0 {
			select {
			case <-ctx.Done():
			case <-time.After(st.Duration):
			}
			continue
		}
		ticker := time.NewTicker(time.Duration(float64(time.Second) / st.Rate))
		end := time.After(st.Duration)
	stageLoop:
		for {
			select {
			case <-ctx.Done():
				break stageLoop
			case <-end:
				break stageLoop
			case <-ticker.C:
				select {
				case slots <- struct{}{}:
				default:
					t.skipped.Add(1)
					continue
				}
				wg.Add(1)
				t.started.Add(1)
				go func(i int64) {
					defer wg.Done()
					defer func() { <-slots }()
					t.runCycle(ctx, i, rec)
				}(n.Add(1) - 1)
			}
		}
		ticker.Stop()
	}
	wg.Wait()
}

func (t *task) runCycle(ctx context.Context, i int64, rec *recorder) {
	start := time.Now()
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
	defer cancel()
	res, err := t.cycle(cctx, i)
	ms := float64(time.Since(start).Microseconds()) / 1000
	ev := map[string]any{"task": t.name, "cycle": i, "cycle_ms": ms, "ok": err == nil}
	if err != nil {
		t.failed.Add(1)
		ev["err"] = err.Error()
		rec.events.write("cycle", ev)
		return
	}
	t.succeeded.Add(1)
	ev["submit_ms"], ev["inclusion_ms"], ev["height"] = res.SubmitMs, res.InclusionMs, res.Height
	rec.events.write("cycle", ev)
	rec.measures.add(t.name+".cycle_ms", ms)
	rec.measures.add(t.name+".inclusion_ms", res.InclusionMs)
	rec.cyclePoint(t.name, ms)
}

// submitAndWait is the common shape of a transaction cycle: submit, then
// wait until it is in a block.
func submitAndWait(ctx context.Context, tc *txClient, submit func(context.Context) ([]byte, error)) (cycleResult, error) {
	var res cycleResult
	t0 := time.Now()
	hash, err := submit(ctx)
	if errors.Is(err, errSequence) {
		hash, err = submit(ctx) // the account re-read its sequence; one retry
	}
	if err != nil {
		return res, err
	}
	res.SubmitMs = float64(time.Since(t0).Microseconds()) / 1000
	t1 := time.Now()
	included, err := tc.waitIncluded(ctx, hash)
	res.InclusionMs = float64(time.Since(t1).Microseconds())/1000 + res.SubmitMs
	if included != nil {
		res.Height, res.Included = included.Height, included
	}
	return res, err
}
