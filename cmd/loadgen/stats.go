package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
)

// measures collects samples by measure name ("transfer.cycle_ms", ...).
type measures struct {
	mu      sync.Mutex
	samples map[string][]float64
}

func newMeasures() *measures { return &measures{samples: map[string][]float64{}} }

func (m *measures) add(name string, v float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.samples[name] = append(m.samples[name], v)
}

// summary is one measure's distribution.
type summary struct {
	Name               string
	Count              int
	Avg, P50, P95, Max float64
}

func summarize(name string, xs []float64) summary {
	s := summary{Name: name, Count: len(xs)}
	if len(xs) == 0 {
		return s
	}
	sorted := append([]float64(nil), xs...)
	sort.Float64s(sorted)
	var total float64
	for _, x := range sorted {
		total += x
	}
	s.Avg = total / float64(len(sorted))
	s.P50 = percentile(sorted, 0.50)
	s.P95 = percentile(sorted, 0.95)
	s.Max = sorted[len(sorted)-1]
	return s
}

// percentile uses the nearest-rank method on sorted samples.
func percentile(sorted []float64, p float64) float64 {
	rank := int(math.Ceil(p*float64(len(sorted)))) - 1
	if rank < 0 {
		rank = 0
	}
	return sorted[rank]
}

// summaries returns every measure's summary, sorted by name.
func (m *measures) summaries() []summary {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.samples))
	for n := range m.samples {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]summary, 0, len(names))
	for _, n := range names {
		out = append(out, summarize(n, m.samples[n]))
	}
	return out
}

func (m *measures) get(name string) summary {
	m.mu.Lock()
	defer m.mu.Unlock()
	return summarize(name, m.samples[name])
}

// printTable writes the summary table a person reads at the end of a run.
func printTable(w io.Writer, sums []summary) {
	fmt.Fprintf(w, "%-28s %7s %10s %10s %10s %10s\n", "measure", "count", "avg", "p50", "p95", "max")
	fmt.Fprintln(w, strings.Repeat("-", 80))
	for _, s := range sums {
		fmt.Fprintf(w, "%-28s %7d %10.1f %10.1f %10.1f %10.1f\n", s.Name, s.Count, s.Avg, s.P50, s.P95, s.Max)
	}
}
