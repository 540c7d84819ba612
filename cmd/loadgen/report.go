package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// report prints and writes the summary and chart, then applies the checks
// `make loadgen-test` asks for. It returns an error naming every failed check.
func report(o options, rec *recorder, tasks []*task, failure error, elapsed time.Duration) error {
	var text strings.Builder
	fmt.Fprintf(&text, "loadgen: %s run against %d validator(s), block time %s\n\n", elapsed.Round(time.Second), o.validators, o.blockTime)
	var problems []string
	for _, t := range tasks {
		total := t.succeeded.Load() + t.failed.Load()
		rate := 0.0
		if total > 0 {
			rate = float64(t.succeeded.Load()) / float64(total)
		}
		fmt.Fprintf(&text, "%-9s cycles=%d succeeded=%d failed=%d skipped=%d success=%.2f%% rate=%.2f/s\n",
			t.name, total, t.succeeded.Load(), t.failed.Load(), t.skipped.Load(), 100*rate, float64(t.succeeded.Load())/elapsed.Seconds())
		rec.events.write("task", map[string]any{"task": t.name, "succeeded": t.succeeded.Load(), "failed": t.failed.Load(), "skipped": t.skipped.Load()})
		if total == 0 {
			problems = append(problems, fmt.Sprintf("%s ran no cycle", t.name))
			continue
		}
		if o.minSuccess > 0 && rate < o.minSuccess {
			problems = append(problems, fmt.Sprintf("%s success %.2f%% < %.2f%%", t.name, 100*rate, 100*o.minSuccess))
		}
		if o.maxP95 > 0 {
			if p95 := rec.measures.get(t.name + ".cycle_ms").P95; p95 > float64(o.maxP95.Milliseconds()) {
				problems = append(problems, fmt.Sprintf("%s p95 cycle latency %.0fms > %s", t.name, p95, o.maxP95))
			}
		}
	}
	fmt.Fprintln(&text)
	printTable(&text, rec.measures.summaries())
	procs := rec.measured()
	fmt.Fprintf(&text, "\nprocesses measured: agd %v, kernel %v\n", procs["agd"], procs["kernel"])
	if _, ok := procs["kernel"]; !ok {
		problems = append(problems, "the kernel process was never found under agd")
	}
	if failure != nil {
		problems = append(problems, failure.Error())
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
