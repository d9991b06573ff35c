// Package plot draws a memory series together with the shape classifier's
// verdict as a PNG: the series as a thin line, the fitted curves as thick
// coloured overlays, jumps, restarts, warm-up, the memory limit, and a
// header naming the shape with its explanation.
//
// It is used for the pictures in docs/ and for anything else that needs a
// verdict as an image; the Grafana panel draws its own.
package plot

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/units"
)

// Default image size in pixels.
const (
	DefaultWidth  = 1000
	DefaultHeight = 420
	// MaxSide bounds either side of the image, in pixels.
	MaxSide = 8000
	// dpi of the PNG: 1 pt = 96/72 px, so a 10 pt font is 13 px tall.
	dpi = 96
)

// Options tune a rendering. The zero value draws a 1000×420 px image.
type Options struct {
	// Width and Height in pixels; 0 means the default.
	Width, Height int
	// Title is shown after the shape on the first line, e.g. the series
	// name. With a verdict that has no shape it is the whole first line.
	Title string
	// Limit is the memory limit in bytes, drawn as a dashed red line;
	// 0 means none.
	Limit float64
	// Extra lines drawn over the verdict's own fits, e.g. a baseline's
	// straight line for comparison.
	Extra []Line
}

// Line is an extra curve to draw: a Fit evaluated with Fit.At, dashed.
type Line struct {
	Label string
	Fit   shape.Fit
	Color color.Color
}

// Colours of the shapes in the charts: shape.Info.Chart (darker shades of
// the dashboards' red, yellow, orange, green and grey).
var (
	LeakColor          = chartColor(shape.Leak)
	FragmentationColor = chartColor(shape.Fragmentation)
	BloatColor         = chartColor(shape.Bloat)
	HealthyColor       = chartColor(shape.Healthy)
	InconclusiveColor  = chartColor(shape.Inconclusive)

	seriesColor = rgb(0x3D, 0x4A, 0x5C)
	limitColor  = rgb(0xC4, 0x16, 0x2A)
	warmColor   = color.NRGBA{R: 0x57, G: 0x94, B: 0xF2, A: 0x30} // blue: yellow is fragmentation
	gridColor   = rgb(0xE6, 0xE6, 0xE6)
	textColor   = rgb(0x22, 0x22, 0x22)
	mutedColor  = rgb(0x55, 0x55, 0x55)
)

func rgb(r, g, b uint8) color.NRGBA { return color.NRGBA{R: r, G: g, B: b, A: 0xFF} }

// ShapeColor is the colour of a shape; grey for inconclusive or unknown.
func ShapeColor(s shape.Shape) color.Color {
	if _, ok := shape.Lookup(s); !ok {
		return InconclusiveColor
	}
	return chartColor(s)
}

// chartColor is the shape's Info.Chart, "#RRGGBB"; black when the table
// has no such colour (a test checks that every shape has one).
func chartColor(s shape.Shape) color.NRGBA {
	in, _ := shape.Lookup(s)
	var r, g, b uint8
	if n, err := fmt.Sscanf(in.Chart, "#%02x%02x%02x", &r, &g, &b); err != nil || n != 3 {
		return rgb(0, 0, 0)
	}
	return rgb(r, g, b)
}

// Render draws s with the verdict v as a PNG into w. It returns an error,
// never panics, when the series has fewer than two finite points or the
// size is out of range.
func Render(w io.Writer, s series.Series, v shape.Verdict, o Options) error {
	img, err := Image(s, v, o)
	if err != nil {
		return err
	}
	return Encode(w, img)
}

// Image draws s with the verdict v and returns the image, for callers that
// compose several charts into one picture.
func Image(s series.Series, v shape.Verdict, o Options) (img image.Image, err error) {
	return Images([]series.Series{s}, v, o)
}

// RenderWorkload draws the series of one workload — its pods and
// containers, each a line of the same colour — with the verdict pooled
// over them (shape.ClassifyPooled) as a PNG into w.
func RenderWorkload(w io.Writer, ss []series.Series, v shape.Verdict, o Options) error {
	img, err := Images(ss, v, o)
	if err != nil {
		return err
	}
	return Encode(w, img)
}

// Images draws the series of one workload (or one series) with the
// verdict v and returns the image.
func Images(ss []series.Series, v shape.Verdict, o Options) (img image.Image, err error) {
	if o.Width == 0 {
		o.Width = DefaultWidth
	}
	if o.Height == 0 {
		o.Height = DefaultHeight
	}
	if o.Width < 200 || o.Height < 150 || o.Width > MaxSide || o.Height > MaxSide {
		return nil, fmt.Errorf("plot: image size %d×%d px out of range (200×150 to %d×%d)", o.Width, o.Height, MaxSide, MaxSide)
	}
	if math.IsNaN(o.Limit) || math.IsInf(o.Limit, 0) || o.Limit < 0 {
		o.Limit = 0
	}
	var members [][]point
	total := 0
	for _, s := range ss {
		if pts := finitePoints(s); len(pts) > 0 {
			members = append(members, pts)
			total += len(pts)
		}
	}
	name := "(none)"
	if len(ss) > 0 {
		name = ss[0].Name()
	}
	if total < 2 {
		return nil, fmt.Errorf("plot: series %s has %d finite points, need at least 2", name, total)
	}
	first, last := members[0][0].t, members[0][0].t
	for _, m := range members {
		first, last = min(first, m[0].t), max(last, m[len(m)-1].t)
	}
	if first == last {
		return nil, errors.New("plot: series covers no time (all points share one timestamp)")
	}
	defer func() { // gonum/plot panics on some degenerate input: cost one image, not the caller
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("plot: cannot draw series %s: %v", name, r)
		}
	}()

	rgba := image.NewRGBA(image.Rect(0, 0, o.Width, o.Height))
	cnv := vgimg.NewWith(vgimg.UseImage(rgba), vgimg.UseDPI(dpi))
	dc := draw.New(cnv)
	c := newChart(members, v, o, dc.Max.X-dc.Min.X, o.Width)
	c.draw(dc)
	return cnv.Image(), nil
}

type point struct {
	t int64
	v float64
}

// finitePoints returns the finite points of s sorted by time.
func finitePoints(s series.Series) []point {
	n := min(len(s.T), len(s.V))
	pts := make([]point, 0, n)
	for i := 0; i < n; i++ {
		if x := s.V[i]; !math.IsNaN(x) && !math.IsInf(x, 0) {
			pts = append(pts, point{s.T[i], x})
		}
	}
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].t < pts[j].t })
	return pts
}

// chart holds what is drawn, in plot coordinates: x in Unix seconds,
// y in bytes.
type chart struct {
	v    shape.Verdict
	o    Options
	segs []plotter.XYs // the series, cut at scrape outages
	ts   []int64       // timestamps the fits are evaluated at (ms)

	x0, x1, y0, y1 float64
	limitShown     bool
	members        int // series drawn: a workload's pods and containers
	legend         []legendEntry
	width          vg.Length
}

func sec(ms int64) float64 { return float64(ms) / 1000 }

func newChart(members [][]point, v shape.Verdict, o Options, width vg.Length, px int) *chart {
	c := &chart{v: v, o: o, width: width, members: len(members)}
	var pts []point // every member's points, for the fits' grid and the ranges
	for _, m := range members {
		m = decimate(m, 2*px/len(members)+4)
		// Cut a member's line where a scrape outage left a hole: a gap of
		// more than five typical steps and more than 1 % of its window.
		if len(m) > 1 {
			steps := make([]float64, 0, len(m)-1)
			for i := 1; i < len(m); i++ {
				steps = append(steps, float64(m[i].t-m[i-1].t))
			}
			sort.Float64s(steps)
			step := steps[len(steps)/2]
			maxGap := math.Max(5*step, 0.01*float64(m[len(m)-1].t-m[0].t))
			var cur plotter.XYs
			for i, p := range m {
				if i > 0 && float64(p.t-m[i-1].t) > maxGap && len(cur) > 0 {
					c.segs = append(c.segs, cur)
					cur = nil
				}
				cur = append(cur, plotter.XY{X: sec(p.t), Y: p.v})
			}
			c.segs = append(c.segs, cur)
		} else {
			c.segs = append(c.segs, plotter.XYs{{X: sec(m[0].t), Y: m[0].v}})
		}
		pts = append(pts, m...)
	}
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].t < pts[j].t })
	c.ts = make([]int64, 0, len(pts))
	for _, p := range pts {
		if n := len(c.ts); n == 0 || c.ts[n-1] != p.t {
			c.ts = append(c.ts, p.t)
		}
	}
	span := float64(pts[len(pts)-1].t - pts[0].t)

	// X: the series, and the forecast up to a quarter of the window
	// further.
	tFirst, tLast := pts[0].t, pts[len(pts)-1].t
	c.x0, c.x1 = sec(tFirst), sec(tLast)
	extend := func(f shape.Fit) {
		if f.End > f.Start {
			end := min(f.End, tLast+int64(span/4))
			c.x1 = math.Max(c.x1, sec(end))
		}
	}
	for _, f := range v.Fits {
		if f.Model == shape.Forecast {
			extend(f)
			if v.ForecastEndsAtRestart && f.End > f.Start && f.End <= tLast+int64(span/4) {
				// It stops at the next restart: room to see it stop.
				c.x1 = math.Max(c.x1, sec(f.End)+span/1000/30)
			}
		}
	}
	for _, e := range o.Extra {
		extend(e.Fit)
	}

	// Y: the series, and the lines drawn over it as far as they stay
	// within 60 % of the data's range above or below it, so the data stay
	// readable; beyond that a line (a forecast, say) leaves the chart, and
	// the legend says where the limit is.
	lo, hi := math.Inf(1), math.Inf(-1)
	see := func(y float64) {
		if !math.IsNaN(y) && !math.IsInf(y, 0) {
			lo, hi = math.Min(lo, y), math.Max(hi, y)
		}
	}
	for _, p := range pts {
		see(p.v)
	}
	extra := 0.6 * math.Max(hi-lo, 0.15*math.Max(math.Abs(hi), math.Abs(lo)))
	floor, room := lo-extra, hi+extra
	for _, j := range v.Jumps {
		see(math.Max(math.Min(j.To, room), floor))
	}
	for _, l := range c.fitLines() {
		for _, xys := range []plotter.XYs{l.xy, l.lower, l.upper} {
			for _, xy := range xys {
				if xy.X >= c.x0 && xy.X <= c.x1 {
					see(math.Max(math.Min(xy.Y, room), floor))
				}
			}
		}
	}
	if o.Limit > 0 && o.Limit <= room {
		see(o.Limit)
		c.limitShown = true
	}
	// A flat series must not look like a wild one: show at least 10 % of
	// its level.
	if minSpan := 0.1 * math.Max(math.Abs(hi), math.Abs(lo)); hi-lo < minSpan {
		mid := (hi + lo) / 2
		lo, hi = mid-minSpan/2, mid+minSpan/2
		if lo < 0 && (hi+lo)/2 >= 0 && lo > -minSpan {
			lo, hi = 0, minSpan
		}
	}
	if hi <= lo {
		hi = lo + 1
	}
	pad := 0.06 * (hi - lo)
	c.y0, c.y1 = lo-pad, hi+pad
	if lo >= 0 && c.y0 < 0 {
		c.y0 = 0
	}
	return c
}

// decimate keeps at most about limit points: per time bucket the lowest and
// the highest point, in time order, so the envelope of a dense sawtooth
// survives.
func decimate(pts []point, limit int) []point {
	if len(pts) <= limit || limit < 4 {
		return pts
	}
	nb := limit / 2
	t0, t1 := pts[0].t, pts[len(pts)-1].t
	w := float64(t1-t0) / float64(nb)
	out := make([]point, 0, limit+2)
	i := 0
	for b := 0; b < nb && i < len(pts); b++ {
		end := t0 + int64(float64(b+1)*w)
		if b == nb-1 {
			end = t1
		}
		lo, hi := -1, -1
		for ; i < len(pts) && pts[i].t <= end; i++ {
			if lo < 0 || pts[i].v < pts[lo].v {
				lo = i
			}
			if hi < 0 || pts[i].v > pts[hi].v {
				hi = i
			}
		}
		switch {
		case lo < 0:
		case lo == hi:
			out = append(out, pts[lo])
		case lo < hi:
			out = append(out, pts[lo], pts[hi])
		default:
			out = append(out, pts[hi], pts[lo])
		}
	}
	return out
}

// fitLine is one evaluated overlay.
type fitLine struct {
	model shape.Model
	ahead bool // runs past the data (forecast, extra line)
	xy    plotter.XYs
	style draw.LineStyle
	label string
	// lower and upper are the forecast's 95 % band at the same times
	// (shape.Fit.SampleBand); empty without one.
	lower, upper plotter.XYs
}

func (c *chart) fitLines() []fitLine {
	var out []fitLine
	for _, f := range c.v.Fits {
		grid := c.ts
		if f.Model == shape.Forecast {
			// Ahead of the data: an even grid up to the chart's edge.
			const n = 60
			end := min(f.End, int64(c.x1*1000))
			if end <= f.Start {
				continue
			}
			grid = make([]int64, 0, n)
			for i := 1; i < n; i++ {
				grid = append(grid, f.Start+(end-f.Start)*int64(i)/n)
			}
			f.End = end
		}
		ts, vs := f.Sample(grid, f.Start, f.End)
		if len(ts) < 2 {
			continue
		}
		xy := make(plotter.XYs, len(ts))
		for i := range ts {
			xy[i] = plotter.XY{X: sec(ts[i]), Y: vs[i]}
		}
		fl := fitLine{model: f.Model, ahead: f.Model == shape.Forecast, xy: xy, style: c.fitStyle(f.Model), label: c.fitLabel(f.Model)}
		if bt, lo, hi := f.SampleBand(grid, f.Start, f.End); len(bt) >= 2 {
			fl.lower, fl.upper = make(plotter.XYs, len(bt)), make(plotter.XYs, len(bt))
			for i := range bt {
				fl.lower[i] = plotter.XY{X: sec(bt[i]), Y: lo[i]}
				fl.upper[i] = plotter.XY{X: sec(bt[i]), Y: hi[i]}
			}
		}
		out = append(out, fl)
	}
	for _, e := range c.o.Extra {
		f := e.Fit
		end := min(f.End, int64(c.x1*1000))
		grid := make([]int64, 0, 60)
		for i := 1; i < 60 && end > f.Start; i++ {
			grid = append(grid, f.Start+(end-f.Start)*int64(i)/60)
		}
		ts, vs := f.Sample(grid, f.Start, end)
		if len(ts) < 2 {
			continue
		}
		xy := make(plotter.XYs, len(ts))
		for i := range ts {
			xy[i] = plotter.XY{X: sec(ts[i]), Y: vs[i]}
		}
		col := e.Color
		if col == nil {
			col = color.Black
		}
		out = append(out, fitLine{model: f.Model, ahead: true, xy: xy, label: e.Label, style: draw.LineStyle{
			Color: col, Width: vg.Points(2.2), Dashes: []vg.Length{vg.Points(7), vg.Points(3)},
		}})
	}
	return out
}

func (c *chart) fitStyle(m shape.Model) draw.LineStyle {
	s := draw.LineStyle{Width: vg.Points(2.6), Color: ShapeColor(c.v.Shape)}
	switch m {
	case shape.Logarithmic, shape.Saturating:
		s.Color = FragmentationColor
	case shape.Steps:
		s.Color = BloatColor
		s.Width = vg.Points(2.2)
	case shape.Forecast:
		s.Width = vg.Points(2)
		s.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
	case shape.Linear:
		switch c.v.Shape {
		case shape.Bloat: // the climb of one slow jump
			s.Color = BloatColor
		case shape.Leak, shape.Inconclusive:
		default:
			s.Color = LeakColor
		}
	}
	return s
}

// fitLabel names a fitted curve in the legend; a straight line under a
// bloat verdict is the climb of one slow jump.
func (c *chart) fitLabel(m shape.Model) string {
	if m == shape.Linear && c.v.Shape == shape.Bloat {
		return "slow rise (one jump)"
	}
	return fitLabel(m)
}

func fitLabel(m shape.Model) string {
	switch m {
	case shape.Linear:
		return "straight-line fit"
	case shape.Logarithmic:
		return "logarithmic fit"
	case shape.Saturating:
		return "saturating fit"
	case shape.Steps:
		return "persisted level after jumps"
	case shape.Forecast:
		return "forecast"
	}
	return string(m)
}

// Fonts.
var (
	sans     = font.Font{Typeface: "Liberation", Variant: "Sans"}
	sansBold = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: 700}
)

func style(f font.Font, size float64, col color.Color) text.Style {
	f.Size = vg.Points(size)
	return text.Style{Color: col, Font: f, Handler: gplot.DefaultTextHandler, XAlign: draw.XLeft, YAlign: draw.YTop}
}

const margin = vg.Length(8)

func (c *chart) draw(dc draw.Canvas) {
	top := c.header(dc)
	p := gplot.New()
	p.BackgroundColor = color.Transparent
	p.X.Tick.Marker = gplot.TickerFunc(timeTicks)
	p.Y.Tick.Marker = gplot.TickerFunc(bytesTicks)
	for _, ax := range []*gplot.Axis{&p.X, &p.Y} {
		ax.Tick.Label = style(sans, 9, textColor)
		ax.Tick.Label.YAlign = draw.YTop
		ax.Color = mutedColor
		ax.Tick.Color = mutedColor
		ax.Padding = 0
		ax.Label.TextStyle = style(sans, 9, mutedColor)
	}
	p.X.Tick.Label.XAlign = draw.XCenter
	p.Y.Tick.Label.XAlign = draw.XRight
	p.Y.Tick.Label.YAlign = draw.YCenter
	p.X.Label.Text = "time (UTC)"
	p.X.Label.TextStyle.XAlign = draw.XCenter
	p.X.Label.TextStyle.YAlign = draw.YBottom

	grid := plotter.NewGrid()
	grid.Vertical = draw.LineStyle{Color: gridColor, Width: vg.Points(0.5)}
	grid.Horizontal = grid.Vertical
	p.Add(grid)

	// Warm-up, restarts.
	var warm [][2]float64
	var restarts []float64
	minWarm := minWarmup(c.v.Lifetimes)
	for i, l := range c.v.Lifetimes {
		if c.members > 1 {
			break // a workload's lifetimes are its series, each drawn apart
		}
		if l.WarmupEnd-l.Start > minWarm {
			warm = append(warm, [2]float64{sec(l.Start), sec(l.WarmupEnd)})
		}
		if i > 0 {
			restarts = append(restarts, sec(l.Start))
		}
	}
	if len(warm) > 0 {
		p.Add(bands{spans: warm, color: warmColor})
		c.legend = append(c.legend, legendEntry{kind: entryBand, color: warmColor, label: "warm-up"})
	}
	restartStyle := draw.LineStyle{Color: color.NRGBA{0x44, 0x44, 0x44, 0xB0}, Width: vg.Points(0.8), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}}
	if len(restarts) > 0 {
		p.Add(vlines{xs: restarts, style: restartStyle})
		c.legend = append(c.legend, legendEntry{kind: entryVLine, line: restartStyle, label: restartsLabel(len(restarts))})
	}
	if c.v.ForecastEndsAtRestart {
		for _, f := range c.v.Fits {
			if f.Model == shape.Forecast && f.End > f.Start && sec(f.End) <= c.x1 {
				due := restartStyle
				due.Color = ShapeColor(c.v.Shape)
				p.Add(vlines{xs: []float64{sec(f.End)}, style: due})
				c.legend = append(c.legend, legendEntry{kind: entryVLine, line: due, label: "next restart due"})
			}
		}
	}

	// The series.
	seriesStyle := draw.LineStyle{Color: seriesColor, Width: vg.Points(0.8)}
	for _, seg := range c.segs {
		if len(seg) == 1 {
			sc, err := plotter.NewScatter(seg)
			if err == nil {
				sc.GlyphStyle = draw.GlyphStyle{Color: seriesColor, Radius: vg.Points(1), Shape: draw.CircleGlyph{}}
				p.Add(sc)
			}
			continue
		}
		l, err := plotter.NewLine(seg)
		if err != nil {
			continue
		}
		l.LineStyle = seriesStyle
		p.Add(l)
	}
	memLabel := "memory"
	if c.members > 1 {
		memLabel = fmt.Sprintf("memory (%d series)", c.members)
	}
	c.legend = append([]legendEntry{{kind: entryLine, line: seriesStyle, label: memLabel}}, c.legend...)

	// The limit.
	if c.o.Limit > 0 {
		ls := draw.LineStyle{Color: limitColor, Width: vg.Points(1.4), Dashes: []vg.Length{vg.Points(8), vg.Points(4)}}
		label := "limit " + units.FormatBytesIEC(c.o.Limit)
		if c.limitShown {
			l, err := plotter.NewLine(plotter.XYs{{X: c.x0, Y: c.o.Limit}, {X: c.x1, Y: c.o.Limit}})
			if err == nil {
				l.LineStyle = ls
				p.Add(l)
			}
		} else {
			label += " (above the chart)"
		}
		c.legend = append(c.legend, legendEntry{kind: entryLine, line: ls, label: label})
	}

	// Fits: curves first, then the forecast and extra lines on top; the
	// forecast's band under them all.
	seen := map[string]bool{}
	lines := c.fitLines()
	sort.SliceStable(lines, func(i, j int) bool { return rank(lines[i].model) < rank(lines[j].model) })
	for _, fl := range lines {
		if len(fl.upper) < 2 {
			continue
		}
		fill := bandColor(fl.style.Color)
		p.Add(bandArea{lower: fl.lower, upper: fl.upper, color: fill})
		c.legend = append(c.legend, legendEntry{kind: entryBand, color: fill, label: "forecast, 95 % band"})
	}
	for _, fl := range lines {
		l, err := plotter.NewLine(fl.xy)
		if err != nil {
			continue
		}
		l.LineStyle = fl.style
		p.Add(l)
		if !seen[fl.label] {
			seen[fl.label] = true
			c.legend = append(c.legend, legendEntry{kind: entryLine, line: fl.style, label: fl.label})
		}
	}

	// Jumps.
	if len(c.v.Jumps) > 0 {
		xy := make(plotter.XYs, 0, len(c.v.Jumps))
		for _, j := range c.v.Jumps {
			if !math.IsNaN(j.To) && !math.IsInf(j.To, 0) {
				xy = append(xy, plotter.XY{X: sec(j.End), Y: j.To})
			}
		}
		if len(xy) > 0 {
			if sc, err := plotter.NewScatter(xy); err == nil {
				gs := draw.GlyphStyle{Color: BloatColor, Radius: vg.Points(4.5), Shape: outlinedTriangle{}}
				sc.GlyphStyle = gs
				p.Add(sc)
				c.legend = append(c.legend, legendEntry{kind: entryGlyph, glyph: gs, label: jumpsLabel(len(xy))})
			}
		}
	}

	// Header legend row, then the plot below it.
	top = c.drawLegend(dc, top)
	// Set the ranges last: Add widens them to every plotter's data.
	p.X.Min, p.X.Max = c.x0, c.x1
	p.Y.Min, p.Y.Max = c.y0, c.y1
	area := draw.Crop(dc, margin, -margin-vg.Points(4), margin/2, -(dc.Max.Y - top + 4))
	p.Draw(area)
}

// minWarmup is the shortest warm-up worth shading: 1 % of the typical
// lifetime, the classifier's bin. A lifetime without warm-up may report
// its first bin's middle as WarmupEnd; that is not shaded.
func minWarmup(ls []shape.Lifetime) int64 {
	spans := make([]int64, 0, len(ls))
	for _, l := range ls {
		spans = append(spans, l.End-l.Start)
	}
	if len(spans) == 0 {
		return 0
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i] < spans[j] })
	return max(spans[len(spans)/2]/100, 0)
}

func rank(m shape.Model) int {
	switch m {
	case shape.Steps:
		return 0
	case shape.Linear, shape.Logarithmic, shape.Saturating:
		return 1
	case shape.Forecast:
		return 2
	}
	return 3
}

func restartsLabel(n int) string {
	if n == 1 {
		return "restart"
	}
	return fmt.Sprintf("restarts (%d)", n)
}

func jumpsLabel(n int) string {
	if n == 1 {
		return "jump"
	}
	return fmt.Sprintf("jumps (%d)", n)
}

// header draws the shape line and the explanation and returns the y below
// them.
func (c *chart) header(dc draw.Canvas) vg.Length {
	x := dc.Min.X + margin
	y := dc.Max.Y - margin/1.5
	maxW := dc.Max.X - dc.Min.X - 2*margin

	title := strings.TrimSpace(c.o.Title)
	head := ""
	if c.v.Shape != "" {
		head = titleCase(string(c.v.Shape))
		if len(c.v.Components) > 1 {
			parts := make([]string, len(c.v.Components))
			for i, s := range c.v.Components {
				parts[i] = string(s)
			}
			head += " (" + strings.Join(parts, " + ") + ")"
		}
	}
	hs := style(sansBold, 14, ShapeColor(c.v.Shape))
	if c.v.Shape == "" {
		hs.Color = textColor
	}
	if head != "" {
		dc.FillText(hs, vg.Point{X: x, Y: y}, head)
		x += hs.Width(head)
	}
	extra := ""
	if c.v.Shape != "" && c.v.Shape != shape.Inconclusive && c.v.Confidence > 0 {
		extra = fmt.Sprintf("confidence %.2f", c.v.Confidence)
	}
	if title != "" {
		if extra != "" {
			extra = title + " · " + extra
		} else {
			extra = title
		}
	}
	if extra != "" {
		ts := style(sans, 11, mutedColor)
		ts.YAlign = draw.YTop
		if head != "" {
			extra = " — " + extra
		} else {
			ts = style(sansBold, 14, textColor)
		}
		extra = truncate(ts, extra, dc.Max.X-margin-x)
		// Align the smaller text's baseline with the head's.
		off := hs.FontExtents().Ascent - ts.FontExtents().Ascent
		if head == "" {
			off = 0
		}
		dc.FillText(ts, vg.Point{X: x, Y: y - off}, extra)
	}
	y -= hs.FontExtents().Height + 2

	ex := explanation(c.v)
	if ex != "" {
		es := style(sans, 10.5, textColor)
		lines := wrap(es, ex, maxW, 2)
		for _, l := range lines {
			dc.FillText(es, vg.Point{X: dc.Min.X + margin, Y: y}, l)
			y -= es.FontExtents().Height
		}
	}
	return y - 2
}

// explanation is the verdict's sentence without the leading "Leak: ",
// which the first line already says.
func explanation(v shape.Verdict) string {
	ex := strings.TrimSpace(v.Explanation)
	if v.Shape != "" {
		if p := titleCase(string(v.Shape)) + ": "; strings.HasPrefix(ex, p) {
			ex = strings.TrimPrefix(ex, p)
			r, n := utf8.DecodeRuneInString(ex)
			ex = string(unicode.ToUpper(r)) + ex[n:]
		}
	}
	return ex
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// wrap breaks txt into at most maxLines lines no wider than w; the last
// line ends in "…" when text was left out.
func wrap(s text.Style, txt string, w vg.Length, maxLines int) []string {
	words := strings.Fields(txt)
	var lines []string
	cur := ""
	for i, word := range words {
		try := word
		if cur != "" {
			try = cur + " " + word
		}
		if s.Width(try) <= w || cur == "" {
			cur = try
			continue
		}
		lines = append(lines, cur)
		cur = word
		if len(lines) == maxLines-1 {
			rest := strings.Join(words[i:], " ")
			return append(lines, truncate(s, rest, w))
		}
	}
	if cur != "" {
		lines = append(lines, truncate(s, cur, w))
	}
	return lines
}

// truncate shortens txt with "…" until it fits in w.
func truncate(s text.Style, txt string, w vg.Length) string {
	if s.Width(txt) <= w {
		return txt
	}
	rs := []rune(txt)
	lo, hi := 0, len(rs)
	for lo < hi { // longest prefix that fits with the ellipsis
		mid := (lo + hi + 1) / 2
		if s.Width(strings.TrimRight(string(rs[:mid]), " ,;")+"…") <= w {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return strings.TrimRight(string(rs[:lo]), " ,;") + "…"
}

// Legend: one row (or more) of entries under the header.

type entryKind int

const (
	entryLine entryKind = iota
	entryVLine
	entryBand
	entryGlyph
)

type legendEntry struct {
	kind  entryKind
	line  draw.LineStyle
	color color.Color
	glyph draw.GlyphStyle
	label string
}

func (c *chart) drawLegend(dc draw.Canvas, top vg.Length) vg.Length {
	ts := style(sans, 9, textColor)
	ts.YAlign = draw.YCenter
	const thumb, gapIn, gapOut = vg.Length(22), vg.Length(4), vg.Length(14)
	rowH := ts.FontExtents().Height + 3
	x := dc.Min.X + margin
	y := top - rowH/2
	for _, e := range c.legend {
		w := thumb + gapIn + ts.Width(e.label)
		if x > dc.Min.X+margin && x+w > dc.Max.X-margin {
			x = dc.Min.X + margin
			y -= rowH
		}
		mid := y
		switch e.kind {
		case entryLine:
			dc.StrokeLine2(e.line, x, mid, x+thumb, mid)
		case entryVLine:
			dc.StrokeLine2(e.line, x+thumb/2, mid-rowH/2+1, x+thumb/2, mid+rowH/2-1)
		case entryBand:
			dc.FillPolygon(e.color, []vg.Point{{X: x, Y: mid - rowH/2 + 1}, {X: x + thumb, Y: mid - rowH/2 + 1}, {X: x + thumb, Y: mid + rowH/2 - 1}, {X: x, Y: mid + rowH/2 - 1}})
		case entryGlyph:
			dc.DrawGlyph(e.glyph, vg.Point{X: x + thumb/2, Y: mid})
		}
		dc.FillText(ts, vg.Point{X: x + thumb + gapIn, Y: mid}, e.label)
		x += w + gapOut
	}
	return y - rowH/2
}

// bands shades spans of x over the whole height of the data area.
type bands struct {
	spans [][2]float64
	color color.Color
}

func (b bands) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, s := range b.spans {
		x0, x1 := trX(s[0]), trX(s[1])
		x0, x1 = max(x0, c.Min.X), min(x1, c.Max.X)
		if x1 <= x0 {
			continue
		}
		c.FillPolygon(b.color, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
	}
}

// bandColor is c, translucent: the shade of a band under its line.
func bandColor(c color.Color) color.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = 0x40
	return n
}

// bandArea shades the area between two curves sampled at the same x,
// clipped to the data area.
type bandArea struct {
	lower, upper plotter.XYs
	color        color.Color
}

func (b bandArea) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	n := min(len(b.lower), len(b.upper))
	if n < 2 {
		return
	}
	pts := make([]vg.Point, 0, 2*n)
	for i := 0; i < n; i++ {
		pts = append(pts, vg.Point{X: trX(b.upper[i].X), Y: trY(b.upper[i].Y)})
	}
	for i := n - 1; i >= 0; i-- {
		pts = append(pts, vg.Point{X: trX(b.lower[i].X), Y: trY(b.lower[i].Y)})
	}
	if pts = c.ClipPolygonXY(pts); len(pts) >= 3 {
		c.FillPolygon(b.color, pts)
	}
}

// vlines draws vertical lines at xs over the whole height.
type vlines struct {
	xs    []float64
	style draw.LineStyle
}

func (v vlines) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, x := range v.xs {
		if px := trX(x); px >= c.Min.X && px <= c.Max.X {
			c.StrokeLine2(v.style, px, c.Min.Y, px, c.Max.Y)
		}
	}
}

// outlinedTriangle is an upward triangle filled with the glyph colour and
// outlined in white, so it stands out on top of a line.
type outlinedTriangle struct{}

func (outlinedTriangle) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius + (sty.Radius-sty.Radius*vg.Length(math.Sin(math.Pi/6)))/2
	p := []vg.Point{
		{X: pt.X, Y: pt.Y + r},
		{X: pt.X - r*vg.Length(math.Cos(math.Pi/6)), Y: pt.Y - r*vg.Length(math.Sin(math.Pi/6))},
		{X: pt.X + r*vg.Length(math.Cos(math.Pi/6)), Y: pt.Y - r*vg.Length(math.Sin(math.Pi/6))},
	}
	c.FillPolygon(sty.Color, p)
	c.StrokeLines(draw.LineStyle{Color: color.White, Width: vg.Points(0.8)}, append(p, p[0]))
}
