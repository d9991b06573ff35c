package plot

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
)

const gib = 1 << 30

var t0 = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC).UnixMilli()

// handMade is two lifetimes of 12 h each at one point a minute, growing
// by jumps and a slowing curve, with a verdict that carries every fit type.
func handMade() (series.Series, shape.Verdict) {
	const n = 24 * 60
	s := series.Series{Labels: map[string]string{"__name__": "mem", "pod": "api-0"}, T: make([]int64, n), V: make([]float64, n)}
	mid := t0 + 12*3600*1000
	for i := range n {
		t := t0 + int64(i)*60*1000
		s.T[i] = t
		age := float64(i % (12 * 60))
		v := 1.0*gib + 0.1*gib*math.Log1p(age/60) + 0.01*gib*math.Sin(float64(i)/7)
		if i%(12*60) > 300 {
			v += 0.15 * gib
		}
		s.V[i] = v
	}
	s.V[100] = math.NaN() // a hole the renderer must skip
	h := int64(3600 * 1000)
	v := shape.Verdict{
		Shape:       shape.Bloat,
		Components:  []shape.Shape{shape.Bloat, shape.Fragmentation},
		Confidence:  0.82,
		Restarts:    1,
		Explanation: "Bloat: 2 jumps (+154 MiB, +154 MiB), 10% freed after; the new level persists at 1.4 GiB, and growth between jumps slows down (fragmentation) — together they look linear, but this is not a leak; reaches the 2 GiB limit in ~3 days, which is a long sentence that has to be wrapped and then truncated at the end of the second line so the chart keeps its room.",
		Jumps: []shape.Jump{
			{Start: t0 + 5*h - 60000, End: t0 + 5*h + 60000, From: 1.25 * gib, To: 1.42 * gib, Size: 0.17 * gib},
			{Start: mid + 5*h - 60000, End: mid + 5*h + 60000, From: 1.25 * gib, To: 1.42 * gib, Size: 0.17 * gib},
		},
		Lifetimes: []shape.Lifetime{
			{Start: t0, End: mid - 60000, WarmupEnd: t0 + h},
			{Start: mid, End: t0 + 24*h - 60000, WarmupEnd: mid + h},
		},
		Fits: []shape.Fit{
			{Model: shape.Steps, Start: t0 + h, End: mid - 60000, Origin: t0 + h, Knots: []shape.Knot{{T: t0 + h, V: 1.2 * gib}, {T: t0 + 5*h, V: 1.38 * gib}}},
			{Model: shape.Linear, Start: t0 + h, End: mid - 60000, Origin: t0, A: 1.1 * gib, B: 0.2 * gib / float64(12*h)},
			{Model: shape.Logarithmic, Start: mid + h, End: t0 + 24*h - 60000, Origin: mid, A: 1.0 * gib, B: 0.1 * gib, Tau: float64(h)},
			{Model: shape.Saturating, Start: mid + h, End: t0 + 24*h - 60000, Origin: mid, A: 1.0 * gib, B: 0.4 * gib, Tau: float64(4 * h)},
			{Model: shape.Forecast, Start: t0 + 24*h - 60000, End: t0 + 30*h, Origin: t0 + 24*h - 60000, A: 1.5 * gib, B: 0.02 * gib / float64(h)},
		},
	}
	return s, v
}

func TestRenderEveryFit(t *testing.T) {
	s, v := handMade()
	for _, size := range [][2]int{{0, 0}, {1000, 420}, {640, 300}} {
		var buf bytes.Buffer
		o := Options{Width: size[0], Height: size[1], Title: s.Name(), Limit: 2 * gib,
			Extra: []Line{{Label: "straight line", Fit: shape.Fit{Model: shape.Linear, Start: s.T[0], End: s.T[len(s.T)-1], Origin: s.T[0], A: gib, B: 1e-3}, Color: color.Black}}}
		if err := Render(&buf, s, v, o); err != nil {
			t.Fatalf("%v: %v", size, err)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("%v: not an image: %v", size, err)
		}
		wantW, wantH := size[0], size[1]
		if wantW == 0 {
			wantW, wantH = DefaultWidth, DefaultHeight
		}
		if format != "png" || cfg.Width != wantW || cfg.Height != wantH {
			t.Errorf("%v: got %s %d×%d, want png %d×%d", size, format, cfg.Width, cfg.Height, wantW, wantH)
		}
		if _, err := png.Decode(bytes.NewReader(buf.Bytes())); err != nil {
			t.Errorf("%v: PNG does not decode: %v", size, err)
		}
		if size[0] == 1000 {
			if out := os.Getenv("MEMSHAPE_PLOT_OUT"); out != "" {
				_ = os.WriteFile(out, buf.Bytes(), 0o644)
			}
		}
	}
}

func TestRenderNotBlank(t *testing.T) {
	s, v := handMade()
	img, err := Image(s, v, Options{Limit: 1.6 * gib})
	if err != nil {
		t.Fatal(err)
	}
	// The overlays' colours must appear somewhere.
	want := map[string]color.NRGBA{"series": seriesColor, "steps": BloatColor, "log": FragmentationColor, "limit": limitColor}
	found := map[string]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			for k, w := range want {
				if c == w {
					found[k] = true
				}
			}
		}
	}
	for k := range want {
		if !found[k] {
			t.Errorf("no pixel of the %s colour", k)
		}
	}
}

func TestRenderRejectsUnplottable(t *testing.T) {
	_, v := handMade()
	nan := math.NaN()
	cases := map[string]series.Series{
		"empty":       {},
		"nil values":  {T: []int64{1, 2, 3}},
		"all NaN":     {T: []int64{t0, t0 + 60000, t0 + 120000}, V: []float64{nan, nan, nan}},
		"all Inf":     {T: []int64{t0, t0 + 60000}, V: []float64{math.Inf(1), math.Inf(-1)}},
		"one point":   {T: []int64{t0, t0 + 60000}, V: []float64{gib, nan}},
		"one instant": {T: []int64{t0, t0}, V: []float64{gib, 2 * gib}},
	}
	for name, s := range cases {
		var buf bytes.Buffer
		if err := Render(&buf, s, v, Options{}); err == nil {
			t.Errorf("%s: no error", name)
		}
		if err := Render(&buf, s, shape.Verdict{}, Options{}); err == nil {
			t.Errorf("%s with an empty verdict: no error", name)
		}
	}
	s, _ := handMade()
	for _, o := range []Options{{Width: -1, Height: 100}, {Width: 100000, Height: 420}} {
		var buf bytes.Buffer
		if err := Render(&buf, s, v, o); err == nil {
			t.Errorf("size %d×%d: no error", o.Width, o.Height)
		}
	}
}

func TestRenderOddVerdicts(t *testing.T) {
	s, _ := handMade()
	h := int64(3600 * 1000)
	verdicts := map[string]shape.Verdict{
		"empty":        {},
		"inconclusive": {Shape: shape.Inconclusive, Explanation: "Inconclusive: the series covers only 5 min."},
		"broken fits": {Shape: shape.Leak, Fits: []shape.Fit{
			{Model: shape.Linear, Start: s.T[10], End: s.T[5]},
			{Model: shape.Logarithmic, Start: s.T[0], End: s.T[100], Tau: 0},
			{Model: shape.Steps, Start: s.T[0], End: s.T[100]},
			{Model: shape.Forecast, Start: s.T[len(s.T)-1], End: s.T[len(s.T)-1] + 1000*h, A: math.Inf(1)},
			{Model: "spline", Start: s.T[0], End: s.T[100]},
		}, Jumps: []shape.Jump{{End: s.T[3], To: math.NaN()}}, Lifetimes: []shape.Lifetime{{}, {Start: -5}}},
	}
	for name, v := range verdicts {
		for _, lim := range []float64{0, gib, 1000 * gib, math.NaN()} {
			var buf bytes.Buffer
			if err := Render(&buf, s, v, Options{Limit: lim}); err != nil {
				t.Errorf("%s, limit %g: %v", name, lim, err)
			}
		}
	}
	// A flat series and a constant one still get a readable range.
	flat := series.Series{T: []int64{t0, t0 + h, t0 + 2*h}, V: []float64{gib, gib, gib}}
	var buf bytes.Buffer
	if err := Render(&buf, flat, shape.Verdict{Shape: shape.Healthy}, Options{}); err != nil {
		t.Errorf("flat: %v", err)
	}
}

func TestBytesTicks(t *testing.T) {
	for _, r := range [][2]float64{{1.1 * gib, 1.9 * gib}, {900 << 20, 1.2 * gib}, {0, 300}, {50 << 20, 51 << 20}, {7.9 * gib, 8.0 * gib}} {
		major := 0
		seen := map[string]bool{}
		for _, tk := range bytesTicks(r[0], r[1]) {
			if tk.Label == "" {
				continue
			}
			major++
			if seen[tk.Label] {
				t.Errorf("%v: label %q twice", r, tk.Label)
			}
			seen[tk.Label] = true
			if tk.Value < r[0] || tk.Value > r[1] {
				t.Errorf("%v: tick %g outside", r, tk.Value)
			}
		}
		if major < 2 || major > 10 {
			t.Errorf("%v: %d major ticks", r, major)
		}
	}
}

func TestTimeTicks(t *testing.T) {
	lo := float64(t0 / 1000)
	for _, span := range []time.Duration{time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour, 14 * 24 * time.Hour} {
		major := 0
		for _, tk := range timeTicks(lo+1, lo+span.Seconds()) {
			if tk.Label != "" {
				major++
			}
		}
		if major < 2 || major > 10 {
			t.Errorf("%s: %d major ticks", span, major)
		}
	}
}

// A forecast with a band is drawn over a shaded area in its colour,
// beyond the data, that the same forecast without a band does not have;
// the legend names it.
func TestRenderForecastBand(t *testing.T) {
	s, v := handMade()
	v.Shape, v.Components = shape.Leak, []shape.Shape{shape.Leak}
	fc := &v.Fits[len(v.Fits)-1]
	plain, err := Image(s, v, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fc.Band = shape.Band{Level: 0.02 * gib, Rate: 0.2 * fc.B, Z: 1.96}
	banded, err := Image(s, v, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := banded.Bounds()
	tinted, other := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			p := color.NRGBAModel.Convert(plain.At(x, y)).(color.NRGBA)
			q := color.NRGBAModel.Convert(banded.At(x, y)).(color.NRGBA)
			if p == q {
				continue
			}
			// Shaded in the leak's colour (red): red stays, green and blue fall.
			if p == (color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}) && q.R > q.G+20 && q.R > q.B+20 {
				tinted++
			} else {
				other++
			}
		}
	}
	if tinted < 2000 {
		t.Errorf("%d white pixels turned the leak's shade (%d others changed): want a band of some area", tinted, other)
	}
	t.Logf("band: %d pixels shaded, %d others changed (the legend's entry, the line over the band)", tinted, other)
}
