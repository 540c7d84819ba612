package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// runSpan is the stretch of chain the run covered: the heights when its
// tasks started and ended, and whether block timings were expected (the
// slog file of node0 is known).
type runSpan struct {
	first, last int64
	slog        bool
}

// successRatio is the share of the cycles a task was asked for that
// succeeded. A skipped tick is a cycle the chain could not take because
// every slot was still busy, so it counts against the task like a failure.
func successRatio(succeeded, failed, skipped int64) float64 {
	asked := succeeded + failed + skipped
	if asked == 0 {
		return 0
	}
	return float64(succeeded) / float64(asked)
}

// report prints and writes the summary and chart, then applies the checks
// `make loadgen-test` asks for. failures are what already went wrong (a
// consensus failure, a node that exited); each one fails the run. It
// returns an error naming every failed check.
func report(o options, rec *recorder, tasks []*task, span runSpan, failures []error, elapsed time.Duration) error {
	var text strings.Builder
	fmt.Fprintf(&text, "loadgen: %s run against %d validator(s), block time %s\n\n", elapsed.Round(time.Second), o.validators, o.blockTime)
	var problems []string
	for _, t := range tasks {
		succeeded, failed, skipped := t.succeeded.Load(), t.failed.Load(), t.skipped.Load()
		total := succeeded + failed
		rate := successRatio(succeeded, failed, skipped)
		fmt.Fprintf(&text, "%-9s cycles=%d succeeded=%d failed=%d skipped=%d success=%.2f%% rate=%.2f/s\n",
			t.name, total, succeeded, failed, skipped, 100*rate, float64(succeeded)/elapsed.Seconds())
		rec.events.write("task", map[string]any{"task": t.name, "succeeded": succeeded, "failed": failed, "skipped": skipped})
		if total == 0 {
			problems = append(problems, fmt.Sprintf("%s ran no cycle", t.name))
			continue
		}
		if o.minSuccess > 0 && rate < o.minSuccess {
			problems = append(problems, fmt.Sprintf("%s success %.2f%% < %.2f%% (skipped ticks count as failures)", t.name, 100*rate, 100*o.minSuccess))
		}
		if o.maxP95 > 0 {
			if p95 := rec.measures.get(t.name + ".cycle_ms").P95; p95 > float64(o.maxP95.Milliseconds()) {
				problems = append(problems, fmt.Sprintf("%s p95 cycle latency %.0fms > %s", t.name, p95, o.maxP95))
			}
		}
	}
	fmt.Fprintln(&text)
	printTable(&text, rec.measures.summaries())
	fmt.Fprintln(&text)
	printNetworkRow(&text, o, rec, tasks)
	procs := rec.measured()
	fmt.Fprintf(&text, "\nprocesses measured: agd %v, kernel %v\n", procs["agd"], procs["kernel"])
	if _, ok := procs["kernel"]; !ok {
		problems = append(problems, "the kernel process was never found under agd")
	}
	vats := rec.vatsMeasured()
	fmt.Fprintf(&text, "xsnap workers measured under the kernel: %d (%s)\n", len(vats), strings.Join(vats, ", "))
	if len(vats) == 0 {
		problems = append(problems, "no xsnap worker was ever found under the kernel")
	}
	problems = append(problems, blockProblems(&text, o, rec, span)...)
	for _, f := range failures {
		problems = append(problems, f.Error())
	}
	if len(problems) > 0 {
		fmt.Fprintf(&text, "\nFAILED: %s\n", strings.Join(problems, "; "))
	}
	fmt.Fprint(os.Stdout, text.String())
	if err := os.WriteFile(filepath.Join(o.out, "summary.txt"), []byte(text.String()), 0o644); err != nil {
		return err
	}
	if err := writeChart(filepath.Join(o.out, "chart.svg"), rec); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d check(s) failed: %s", len(problems), strings.Join(problems, "; "))
	}
	return nil
}

// blockProblems checks what the slog gave: timings for enough of the run's
// blocks, and data in every chart panel. Without a known slog file the
// block panels are empty by design and only the coverage is printed.
func blockProblems(text io.Writer, o options, rec *recorder, span runSpan) []string {
	var problems []string
	timed, total := rec.blockCoverage(span.first, span.last)
	share := 0.0
	if total > 0 {
		share = float64(timed) / float64(total)
	}
	fmt.Fprintf(text, "block timings: %d of the run's %d blocks (heights %d-%d, %.1f%%)\n", timed, total, span.first, span.last, 100*share)
	if !span.slog {
		fmt.Fprintln(text, "no slog file known (--slogfile): block panels are empty")
		return nil
	}
	if o.minBlockCoverage > 0 && share < o.minBlockCoverage {
		problems = append(problems, fmt.Sprintf("block timings cover %d of the run's %d blocks (%.1f%% < %.0f%%): is the node writing its slog file?",
			timed, total, 100*share, 100*o.minBlockCoverage))
	}
	for _, p := range rec.chartPanels() {
		if !panelHasData(p) {
			problems = append(problems, fmt.Sprintf("chart panel %q has no data (no point, or every point zero)", p.Title))
		}
	}
	return problems
}

// panelHasData is true when the panel has a series and every series has a
// point that is not zero: an empty line in a legend is as misleading as an
// empty panel, and so is a line flat at zero (computrons that were never
// metered, a timing that was never taken).
func panelHasData(p panel) bool {
	if len(p.Series) == 0 {
		return false
	}
	for _, s := range p.Series {
		if !slices.ContainsFunc(s.Points, func(pt [2]float64) bool { return pt[1] != 0 }) {
			return false
		}
	}
	return true
}

func writeChart(path string, rec *recorder) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := writeSVG(io.Writer(f), rec.chartPanels()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// printNetworkRow writes the one line the latency runs are compared by
// (docs/performance.md): the network between validators, block interval,
// a transfer's commit latency, committed transfers per second over the
// transfer stages, the kernel's share of each block and its computrons per
// block (p50, p95).
func printNetworkRow(w io.Writer, o options, rec *recorder, tasks []*task) {
	network := "loopback"
	if o.shaped {
		network = o.shape.String()
	}
	interval := rec.measures.get("block.interval_ms")
	commit := rec.measures.get("transfer.inclusion_ms")
	share := rec.measures.get("block.kernel_share_pct")
	perSecond := 0.0
	for _, t := range tasks {
		if t.name != "transfer" {
			continue
		}
		var d time.Duration
		for _, st := range t.stages {
			d += st.Duration
		}
		if d > 0 {
			perSecond = float64(t.succeeded.Load()) / d.Seconds()
		}
	}
	fmt.Fprintf(w, "network: %d validator(s), %s\n", o.validators, network)
	computrons := rec.measures.get("block.computrons")
	fmt.Fprintf(w, "| %s | %.0f | %.0f | %.0f | %.0f | %.2f | %.1f%% | %.1f%% | %.0f | %.0f |\n",
		network, interval.P50, interval.P95, commit.P50, commit.P95, perSecond, share.P50, share.P95, computrons.P50, computrons.P95)
}
