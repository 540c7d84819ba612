package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/agd-project/agd/internal/proc"
)

// recorder gathers everything a run measures: perf.jsonl events, the
// summary's samples, and the points the chart draws.
type recorder struct {
	events   *eventLog
	measures *measures
	start    time.Time

	mu     sync.Mutex
	blocks []blockTiming
	// lastBlock is the block before the next one recorded: its kernel
	// share is known only when the next block begins.
	lastBlock *blockTiming
	cycles    map[string][][2]float64 // task -> (seconds into run, cycle ms)
	procs     map[string]procKey      // role -> the process measured
	vats      map[string]procKey      // xsnap workers measured: vat -> process
}

func newRecorder(events *eventLog, start time.Time) *recorder {
	return &recorder{events: events, measures: newMeasures(), start: start,
		cycles: map[string][][2]float64{}, procs: map[string]procKey{}, vats: map[string]procKey{}}
}

func (r *recorder) cyclePoint(taskName string, ms float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cycles[taskName] = append(r.cycles[taskName], [2]float64{time.Since(r.start).Seconds(), ms})
}

func (r *recorder) block(bt blockTiming) {
	r.mu.Lock()
	r.blocks = append(r.blocks, bt)
	prev := r.lastBlock
	r.lastBlock = &bt
	r.mu.Unlock()
	r.events.write("block", map[string]any{"height": bt.Height, "interval_ms": bt.IntervalMs, "cosmos_ms": bt.CosmosMs, "kernel_ms": bt.KernelMs,
		"cranks": bt.Cranks, "computrons": bt.Computrons})
	if bt.IntervalMs > 0 {
		r.measures.add("block.interval_ms", bt.IntervalMs)
		// The kernel's share of block H: how much of the time from H's
		// begin to H+1's its EndBlock and commit took. bt.IntervalMs is
		// that time for H = bt.Height-1; the interval before H holds none
		// of H's kernel time (dividing by it gave shares over 100%).
		if prev != nil && prev.Height == bt.Height-1 {
			r.measures.add("block.kernel_share_pct", 100*prev.KernelMs/bt.IntervalMs)
		}
	}
	r.measures.add("block.cosmos_ms", bt.CosmosMs)
	r.measures.add("block.kernel_ms", bt.KernelMs)
	r.measures.add("block.cranks", float64(bt.Cranks))
	r.measures.add("block.computrons", float64(bt.Computrons))
}

// awaitBlock waits up to limit for a timing of block height, so the slog
// follower has read the run's last block before the report counts them.
func (r *recorder) awaitBlock(ctx context.Context, height int64, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		r.mu.Lock()
		n := len(r.blocks)
		reached := n > 0 && r.blocks[n-1].Height >= height
		r.mu.Unlock()
		if reached {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// blockCoverage counts the distinct heights in [first, last] that have a
// timing, out of the last-first+1 blocks the chain made in that span.
func (r *recorder) blockCoverage(first, last int64) (timed, total int64) {
	if last < first {
		return 0, 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[int64]bool{}
	for _, b := range r.blocks {
		if b.Height >= first && b.Height <= last {
			seen[b.Height] = true
		}
	}
	return int64(len(seen)), last - first + 1
}

// followSlog turns node0's slog into block timings until ctx ends.
func (r *recorder) followSlog(ctx context.Context, path string) {
	var clock blockClock
	_ = followLines(ctx, path, func(line string) bool {
		if bt, ok := clock.observe([]byte(line)); ok {
			r.block(bt)
		}
		return true
	})
}

// sampleProcesses measures agd, its kernel child and the kernel's xsnap
// workers once a second. The kernel is found among /proc's processes as
// agd's child, the workers as the kernel's; all are keyed by pid and start
// time, so a restarted or reused pid starts a new series. Each worker gets
// its own "proc" event (role "xsnap", with its vat); the workers' sum is the
// measures proc.xsnap.cpu_pct and proc.xsnap.rss_mb.
func (r *recorder) sampleProcesses(ctx context.Context, agdPid int) {
	last := map[procKey]procSample{}
	lastAt := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := time.Now()
		elapsed := now.Sub(lastAt).Seconds()
		lastAt = now
		var xsnapCPU, xsnapRSS float64
		xsnapSeen, xsnapTimed := 0, 0
		for _, w := range findWatched(agdPid) {
			s, err := readProc(w.pid)
			if err != nil {
				continue
			}
			rss := float64(s.RSSBytes) / (1 << 20)
			ev := map[string]any{"role": w.role, "pid": s.Key.Pid, "start_time": s.Key.StartTime, "rss_mb": rss}
			r.mu.Lock()
			if w.role == roleXsnap {
				r.vats[w.vat] = s.Key
				ev["vat"] = w.vat
			} else {
				r.procs[w.role] = s.Key
			}
			r.mu.Unlock()
			var cpu float64
			prev, timed := last[s.Key]
			if timed && elapsed > 0 {
				cpu = 100 * float64(s.CPUTicks-prev.CPUTicks) / proc.TicksPerSecond / elapsed
				ev["cpu_pct"] = cpu
			}
			last[s.Key] = s
			r.events.write("proc", ev)
			if w.role == roleXsnap {
				xsnapSeen++
				xsnapRSS += rss
				if timed {
					xsnapTimed++
					xsnapCPU += cpu
				}
				continue
			}
			r.measures.add("proc."+w.role+".rss_mb", rss)
			if timed {
				r.measures.add("proc."+w.role+".cpu_pct", cpu)
			}
		}
		if xsnapSeen > 0 {
			r.measures.add("proc.xsnap.rss_mb", xsnapRSS)
		}
		if xsnapTimed > 0 {
			r.measures.add("proc.xsnap.cpu_pct", xsnapCPU)
		}
	}
}

const roleXsnap = "xsnap"

// watchedProc is one process sampleProcesses measures.
type watchedProc struct {
	role string // "agd", "kernel" or roleXsnap
	pid  int
	vat  string // for an xsnap worker: its vat, SwingSet's "vN:name"
}

// findWatched lists agd, its kernel (agd's child) and the kernel's
// children, the xsnap workers (one per vat online). @agoric/xsnap starts a
// worker as `xsnap-worker NAME [-r snapshot] ...`, SwingSet's NAME being
// the vat's "vN:name", so the vat is the first argument.
func findWatched(agdPid int) []watchedProc {
	out := []watchedProc{{role: "agd", pid: agdPid}}
	for _, kernel := range proc.Children(agdPid) {
		out = append(out, watchedProc{role: "kernel", pid: kernel})
		for _, w := range proc.Children(kernel) {
			vat := fmt.Sprintf("pid %d", w)
			if argv, err := proc.Cmdline(w); err == nil && len(argv) > 1 && !strings.HasPrefix(argv[1], "-") {
				vat = argv[1]
			}
			out = append(out, watchedProc{role: roleXsnap, pid: w, vat: vat})
		}
	}
	return out
}

// vatsMeasured lists the xsnap workers ever sampled, as "vat pid@start".
func (r *recorder) vatsMeasured() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.vats))
	for vat, k := range r.vats {
		out = append(out, vat+" "+k.String())
	}
	sort.Strings(out)
	return out
}

// measured reports which roles were found and sampled.
func (r *recorder) measured() map[string]procKey {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]procKey, len(r.procs))
	for k, v := range r.procs {
		out[k] = v
	}
	return out
}

// chartPanels draws block times and cycle latencies over the run.
func (r *recorder) chartPanels() []panel {
	r.mu.Lock()
	defer r.mu.Unlock()
	var interval, cosmos, kernel, computrons [][2]float64
	for _, b := range r.blocks {
		if b.IntervalMs > 0 {
			interval = append(interval, [2]float64{float64(b.Height), b.IntervalMs})
		}
		cosmos = append(cosmos, [2]float64{float64(b.Height), b.CosmosMs})
		kernel = append(kernel, [2]float64{float64(b.Height), b.KernelMs})
		computrons = append(computrons, [2]float64{float64(b.Height), float64(b.Computrons)})
	}
	colors := []string{"#d62728", "#2ca02c", "#9467bd", "#8c564b"}
	var cycleSeries []series
	i := 0
	for _, name := range []string{"transfer", "deliver", "install"} {
		if pts, ok := r.cycles[name]; ok {
			cycleSeries = append(cycleSeries, series{Name: name, Color: colors[i%len(colors)], Points: pts, Dots: true})
			i++
		}
	}
	return []panel{
		{Title: "Block interval (from the kernel's slog)", XLabel: "block height", YLabel: "ms", Series: []series{
			{Name: "block interval", Color: "#1f77b4", Points: interval},
		}},
		{Title: "Work per block: cosmos (begin to end-block-start) and kernel (EndBlock + commit)", XLabel: "block height", YLabel: "ms", Series: []series{
			{Name: "cosmos", Color: "#ff7f0e", Points: cosmos},
			{Name: "kernel", Color: "#17becf", Points: kernel},
		}},
		{Title: "Computrons per block (SwingSet's metered compute, from the kernel's slog)", XLabel: "block height", YLabel: "computrons", Series: []series{
			{Name: "computrons", Color: "#8c564b", Points: computrons, Dots: true},
		}},
		{Title: "Cycle latency (submit until the result is visible)", XLabel: "seconds into the run", YLabel: "ms", Series: cycleSeries},
	}
}
