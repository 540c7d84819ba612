package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// series is one line (or cloud of points) on a chart panel.
type series struct {
	Name   string
	Color  string
	Points [][2]float64
	Dots   bool // scatter instead of a line
}

// panel is one chart: x and y axes and the series drawn on them.
type panel struct {
	Title, XLabel, YLabel string
	Series                []series
}

const (
	chartWidth  = 960
	panelHeight = 300
	marginLeft  = 70
	marginRight = 150
	marginTop   = 30
	marginBot   = 40
)

// writeSVG draws the panels one above the other as a standalone SVG, so the
// report needs no plotting library and opens in any browser.
func writeSVG(w io.Writer, panels []panel) error {
	height := len(panels) * panelHeight
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", chartWidth, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	for i, p := range panels {
		drawPanel(&b, p, float64(i*panelHeight))
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func drawPanel(b *strings.Builder, p panel, top float64) {
	x0, x1 := float64(marginLeft), float64(chartWidth-marginRight)
	y0, y1 := top+panelHeight-marginBot, top+marginTop
	minX, maxX, maxY := math.Inf(1), math.Inf(-1), 0.0
	for _, s := range p.Series {
		for _, pt := range s.Points {
			minX, maxX, maxY = math.Min(minX, pt[0]), math.Max(maxX, pt[0]), math.Max(maxY, pt[1])
		}
	}
	if math.IsInf(minX, 1) {
		minX, maxX = 0, 1
	}
	if maxX == minX {
		maxX = minX + 1
	}
	maxY = niceCeil(maxY)
	sx := func(x float64) float64 { return x0 + (x-minX)/(maxX-minX)*(x1-x0) }
	sy := func(y float64) float64 { return y0 - y/maxY*(y0-y1) }

	fmt.Fprintf(b, `<text x="%g" y="%g" font-size="14" font-weight="bold">%s</text>`+"\n", x0, top+18, escape(p.Title))
	fmt.Fprintf(b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="black"/>`+"\n", x0, y0, x1, y0)
	fmt.Fprintf(b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="black"/>`+"\n", x0, y0, x0, y1)
	for i := 0; i <= 4; i++ {
		v := maxY * float64(i) / 4
		y := sy(v)
		fmt.Fprintf(b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#ddd"/>`+"\n", x0, y, x1, y)
		fmt.Fprintf(b, `<text x="%g" y="%g" text-anchor="end">%s</text>`+"\n", x0-5, y+4, trim(v))
		xv := minX + (maxX-minX)*float64(i)/4
		fmt.Fprintf(b, `<text x="%g" y="%g" text-anchor="middle">%s</text>`+"\n", sx(xv), y0+15, trim(xv))
	}
	fmt.Fprintf(b, `<text x="%g" y="%g" text-anchor="middle">%s</text>`+"\n", (x0+x1)/2, y0+32, escape(p.XLabel))
	fmt.Fprintf(b, `<text x="15" y="%g" transform="rotate(-90 15 %g)" text-anchor="middle">%s</text>`+"\n", (y0+y1)/2, (y0+y1)/2, escape(p.YLabel))

	for i, s := range p.Series {
		pts := append([][2]float64(nil), s.Points...)
		sort.Slice(pts, func(a, b int) bool { return pts[a][0] < pts[b][0] })
		if s.Dots {
			for _, pt := range pts {
				fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="2" fill="%s" fill-opacity="0.6"/>`+"\n", sx(pt[0]), sy(pt[1]), s.Color)
			}
		} else if len(pts) > 0 {
			var path strings.Builder
			for _, pt := range pts {
				fmt.Fprintf(&path, "%.1f,%.1f ", sx(pt[0]), sy(pt[1]))
			}
			fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`+"\n", s.Color, path.String())
		}
		ly := y1 + float64(i)*18
		fmt.Fprintf(b, `<rect x="%g" y="%g" width="12" height="12" fill="%s"/>`+"\n", x1+10, ly, s.Color)
		fmt.Fprintf(b, `<text x="%g" y="%g">%s</text>`+"\n", x1+28, ly+10, escape(s.Name))
	}
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten, for round ticks.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func trim(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
