package handlers

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// svgChart is a chart as shapes with numeric coordinates; the template
// turns it into inline <svg>. Text (idea titles) stays text for
// html/template to escape; colours come from CSS classes, so the strict
// CSP (no inline style) holds.
type svgChart struct {
	Width, Height int
	Square        bool // drawn smaller: a unit square, not a wide chart
	Rects         []chartRect
	Texts         []chartText
	Lines         []chartLine
}

type chartRect struct {
	X, Y, W, H string
	Class      string
	Tip        string // a tooltip: the exact number
}

type chartText struct {
	X, Y   string
	Text   string
	Anchor string // start, middle or end
	Class  string
}

type chartLine struct {
	Points string // "x,y x,y …", numbers only
	Class  string
}

// num formats a coordinate: at most one decimal, never an exponent.
func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

func (c *svgChart) rect(x, y, w, h float64, class, tip string) {
	c.Rects = append(c.Rects, chartRect{num(x), num(y), num(max(w, 0)), num(max(h, 0)), class, tip})
}

func (c *svgChart) text(x, y float64, s, anchor, class string) {
	c.Texts = append(c.Texts, chartText{num(x), num(y), s, anchor, class})
}

func (c *svgChart) line(class string, xy ...float64) {
	var b strings.Builder
	for i := 0; i+1 < len(xy); i += 2 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(num(xy[i]) + "," + num(xy[i+1]))
	}
	c.Lines = append(c.Lines, chartLine{b.String(), class})
}

// barItem is one bar of a horizontal bar chart, made of stacked parts.
type barItem struct {
	Label string
	Parts []barPart
	Value string // printed after the bar
}

type barPart struct {
	Value float64
	Class string
	Tip   string
}

// hbars draws labelled horizontal (optionally stacked) bars scaled to the
// longest one.
func hbars(items []barItem) svgChart {
	const width, labelW, valueW, rowH, barH = 720, 260, 110, 26, 18
	c := svgChart{Width: width, Height: max(len(items), 1)*rowH + 4}
	if len(items) == 0 {
		c.text(labelW, barH-4, "No ideas here.", "start", "chart__value")
	}
	var top float64
	for _, it := range items {
		var sum float64
		for _, p := range it.Parts {
			sum += p.Value
		}
		top = max(top, sum)
	}
	scale := 0.0
	if top > 0 {
		scale = float64(width-labelW-valueW-8) / top
	}
	for i, it := range items {
		y := float64(i*rowH + 2)
		c.text(labelW-6, y+barH-4, shorten(it.Label, 38), "end", "chart__label")
		x := float64(labelW)
		for _, p := range it.Parts {
			w := p.Value * scale
			c.rect(x, y, w, barH, p.Class, p.Tip)
			x += w
		}
		c.text(x+6, y+barH-4, it.Value, "start", "chart__value")
	}
	return c
}

// vbars draws labelled vertical bars (statuses).
func vbars(labels []string, values []int64, classes []string) svgChart {
	const width, height, base, top = 720, 220, 190, 20
	c := svgChart{Width: width, Height: height}
	var hi int64
	for _, v := range values {
		hi = max(hi, v)
	}
	slot := float64(width) / float64(max(len(values), 1))
	for i, v := range values {
		h := 0.0
		if hi > 0 {
			h = float64(v) / float64(hi) * (base - top)
		}
		x := float64(i)*slot + slot*0.2
		c.rect(x, base-h, slot*0.6, h, classes[i], fmt.Sprintf("%s: %d", labels[i], v))
		c.text(x+slot*0.3, base-h-4, strconv.FormatInt(v, 10), "middle", "chart__value")
		c.text(x+slot*0.3, base+16, labels[i], "middle", "chart__label")
	}
	c.line("chart__axis", 0, base, width, base)
	return c
}

// weekPanels draws one small bar chart per series, one above the other,
// each on its own scale so a few ideas are not flattened by many votes.
func weekPanels(weeks []string, series [][]int64, names, classes []string) svgChart {
	const width, labelW, panelH, gap = 720, 90, 70, 18
	c := svgChart{Width: width, Height: len(series)*(panelH+gap) + 18}
	slot := float64(width-labelW) / float64(max(len(weeks), 1))
	for s, vals := range series {
		base := float64(s*(panelH+gap) + panelH)
		var hi int64
		for _, v := range vals {
			hi = max(hi, v)
		}
		c.text(0, base-panelH+12, names[s], "start", "chart__label")
		c.text(0, base-panelH+28, "max "+strconv.FormatInt(hi, 10), "start", "chart__value")
		for i, v := range vals {
			h := 0.0
			if hi > 0 {
				h = float64(v) / float64(hi) * (panelH - 4)
			}
			c.rect(labelW+float64(i)*slot+1, base-h, slot-2, h, classes[s], fmt.Sprintf("%s, week of %s: %d", names[s], weeks[i], v))
		}
		c.line("chart__axis", labelW, base, width, base)
	}
	if len(weeks) > 0 {
		last := float64(c.Height - 4)
		c.text(labelW, last, weeks[0], "start", "chart__label")
		c.text(width, last, weeks[len(weeks)-1], "end", "chart__label")
	}
	return c
}

// lorenz draws the Lorenz curve in a unit square with the line of
// equality for comparison.
func lorenz(points [][2]float64) svgChart {
	const size, pad = 300, 24
	c := svgChart{Width: size + 2*pad, Height: size + 2*pad, Square: true}
	px := func(p [2]float64) (float64, float64) { return pad + p[0]*size, pad + (1-p[1])*size }
	c.rect(pad, pad, size, size, "chart__frame", "")
	c.line("chart__equality", pad, pad+size, pad+size, pad)
	var xy []float64
	for _, p := range points {
		x, y := px(p)
		xy = append(xy, x, y)
	}
	c.line("chart__curve", xy...)
	c.text(pad, pad+size+18, "0%", "start", "chart__label")
	c.text(pad+size, pad+size+18, "100% of members", "end", "chart__label")
	c.text(pad+4, pad+14, "100% of activity", "start", "chart__label")
	return c
}

// shorten cuts s to n characters with an ellipsis.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// grouped formats a whole number with thousands separators: 1234567 →
// "1,234,567".
func grouped(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}
