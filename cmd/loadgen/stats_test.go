package main

import "testing"

func TestSummarize(t *testing.T) {
	xs := []float64{}
	for i := 100; i >= 1; i-- {
		xs = append(xs, float64(i))
	}
	s := summarize("x", xs)
	if s.Count != 100 || s.P50 != 50 || s.P95 != 95 || s.Max != 100 || s.Avg != 50.5 {
		t.Fatalf("summary %+v", s)
	}
	if e := summarize("empty", nil); e.Count != 0 || e.Max != 0 {
		t.Fatalf("empty summary %+v", e)
	}
}
