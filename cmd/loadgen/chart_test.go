package main

import (
	"strings"
	"testing"
)

func TestWriteSVG(t *testing.T) {
	var b strings.Builder
	err := writeSVG(&b, []panel{
		{Title: "blocks", XLabel: "height", YLabel: "ms", Series: []series{{Name: "interval", Color: "#1f77b4", Points: [][2]float64{{1, 500}, {2, 520}}}}},
		{Title: "cycles <latency>", XLabel: "s", YLabel: "ms", Series: []series{{Name: "transfer", Color: "#d62728", Dots: true, Points: [][2]float64{{0.5, 900}}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	for _, want := range []string{"<svg", "<polyline", "<circle", "cycles &lt;latency&gt;", "</svg>"} {
		if !strings.Contains(svg, want) {
			t.Errorf("svg lacks %q", want)
		}
	}
	if niceCeil(730) != 1000 || niceCeil(130) != 200 || niceCeil(0) != 1 {
		t.Errorf("niceCeil: %v %v %v", niceCeil(730), niceCeil(130), niceCeil(0))
	}
}
