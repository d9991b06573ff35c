// Command gendocs draws the pictures of docs/method.md from the labelled
// corpus: one representative case per scenario, classified and rendered
// with its overlays, and the trap case as predict_linear sees it next to
// what memshape sees.
//
//	go run ./internal/gendocs -out docs/img
//
// The choice is deterministic: from corpus.Generate(1, 20), per scenario
// the first case whose verdict is right and not inconclusive over a window
// of at least a day (any window for the minutes-long batch-* scenarios),
// else the first case whose verdict is right, else the first case.
//
// It also draws the edge cases of docs/method.md's "Cases that read
// wrong before" (fixedCases: hand-made series of pkg/shape/testdata/edge)
// and writes that section of docs/method.md, between its markers: each
// case's picture, the verdict's sentence as the tool prints it, and why.
// -method "" leaves docs/method.md alone.
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/common/model"

	"github.com/memshape/memory-datasource/internal/demo"
	"github.com/memshape/memory-datasource/pkg/plot"
	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/shape/baseline"
	"github.com/memshape/memory-datasource/pkg/shape/corpus"
	"github.com/memshape/memory-datasource/pkg/units"
	"github.com/memshape/memory-datasource/pkg/workload"
)

// Scenarios drawn, in the order of docs/method.md.
var scenarios = []string{
	"leak", "leak-restarts", "leak-gc",
	"fragmentation-log", "fragmentation-saturating",
	"bloat", "bloat-slow", "trap",
	"healthy-gc", "healthy-warmup", "healthy-diurnal",
	"batch-leak", "batch-leak-steps",
}

const (
	seed        = 1
	perScenario = 20
	width       = 1000
	height      = 420
	// minWindow is the shortest window a representative case may have.
	minWindow = 24 * time.Hour
)

func main() {
	out := flag.String("out", "docs/img", "directory to write the PNGs to")
	method := flag.String("method", "docs/method.md", "the document whose fixed-cases section to rewrite (\"\" for none)")
	edge := flag.String("edge", "pkg/shape/testdata/edge", "directory of the edge-case files")
	flag.Parse()
	err := run(*out, os.Stdout)
	if err == nil {
		err = drawFixed(*out, *edge, *method, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

// pick is the case drawn for one scenario and its verdict.
type pick struct {
	c corpus.Case
	v shape.Verdict
}

func run(dir string, log io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	picks, err := choose(corpus.Generate(seed, perScenario))
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(log, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tCASE\tWINDOW\tWANT\tGOT\tRIGHT")
	for _, name := range scenarios {
		p := picks[name]
		file := filepath.Join(dir, name+".png")
		if err := write(file, func(w io.Writer) error {
			return plot.Render(w, toSeries(p.c), p.v, options(p.c))
		}); err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\n", file, p.c.Name, units.FormatDuration(p.c.Window), p.c.Want, p.v.Shape, p.c.Correct(p.v.Shape))
	}
	trap := picks["trap"]
	file := filepath.Join(dir, "baseline-vs-memshape.png")
	if err := write(file, func(w io.Writer) error { return compare(w, trap.c, trap.v) }); err != nil {
		return err
	}
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\n", file, trap.c.Name, units.FormatDuration(trap.c.Window), trap.c.Want, trap.v.Shape, trap.c.Correct(trap.v.Shape))
	if err := workloads(dir, tw); err != nil {
		return err
	}
	return tw.Flush()
}

// clusterEnd is the moment the demo cluster is drawn at: a week after
// shop/payments' leaking release went out.
var clusterEnd = time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC)

// workloads draws two workloads of the demo cluster over a week at a
// 5-minute step, judged across their pods as the data source does:
// workload-leak.png, shop/cart's leak that no pod lives long enough to
// show (above: each pod judged alone), and workload-release.png,
// shop/payments' leak since one release, three and a half days in.
func workloads(dir string, tw io.Writer) error {
	ws := demo.Workloads(clusterEnd)
	hist := demo.History(ws, clusterEnd.Add(-7*24*time.Hour), clusterEnd, 5*time.Minute, nil)
	groups, _ := workload.Group(hist, workload.By{Mode: workload.Auto})
	find := func(ns, name string) (workload.Workload, []series.Series, demo.Workload) {
		for _, g := range groups {
			if g.Namespace == ns && g.Name == name {
				var ss []series.Series
				for _, m := range g.Members {
					ss = append(ss, hist[m.Series])
				}
				for _, w := range ws {
					if w.Namespace == ns && w.Name == name {
						return g, ss, w
					}
				}
			}
		}
		panic("no workload " + ns + "/" + name)
	}
	o := plot.Options{Width: width, Height: height}

	g, ss, w := find("shop", "cart")
	o.Limit, o.Title = w.Limit, "shop/cart, 7 days · 3 replicas rolled to new pods every 8 h"
	pooled := workload.Judge(g, hist, shape.Options{LimitBytes: w.Limit})
	alone := map[shape.Shape]int{}
	for _, s := range ss {
		alone[shape.Classify(s.T, s.V, shape.Options{LimitBytes: w.Limit}).Shape]++
	}
	var parts []string
	for _, sh := range shape.Shapes {
		if alone[sh] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", alone[sh], sh))
		}
	}
	top := shape.Verdict{Explanation: fmt.Sprintf("Judged one pod at a time (groupBy series): %s of %d pods — each lives 8 h, too short to tell a leak from fragmentation alone.",
		strings.Join(parts, ", "), len(ss))}
	file := filepath.Join(dir, "workload-leak.png")
	if err := write(file, func(wr io.Writer) error {
		upper, err := plot.Images(ss, top, withTitle(o, "One pod at a time — "+o.Title))
		if err != nil {
			return err
		}
		lower, err := plot.Images(ss, pooled, withTitle(o, "judged by workload, across its lifetimes (the default)"))
		if err != nil {
			return err
		}
		return plot.Encode(wr, stack(upper, lower))
	}); err != nil {
		return err
	}
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\n", file, "shop/cart", "7 days", w.Want, pooled.Shape, w.Correct(pooled.Shape))

	// Three and a half days after the release: half the week before it.
	end := clusterEnd.Add(-3 * 24 * time.Hour)
	hist = demo.History(demo.Workloads(end), end.Add(-7*24*time.Hour), end, 5*time.Minute, nil)
	groups, _ = workload.Group(hist, workload.By{Mode: workload.Auto})
	g, ss, w = find("shop", "payments")
	o.Limit, o.Title = w.Limit, "shop/payments, 7 days · 2 replicas rolled every 12 h, a new release weekly"
	v := workload.Judge(g, hist, shape.Options{LimitBytes: w.Limit})
	file = filepath.Join(dir, "workload-release.png")
	if err := write(file, func(wr io.Writer) error { return plot.RenderWorkload(wr, ss, v, o) }); err != nil {
		return err
	}
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\n", file, "shop/payments", "7 days", w.Want, v.Shape, w.Correct(v.Shape))
	return nil
}

func withTitle(o plot.Options, t string) plot.Options {
	o.Title = t
	return o
}

// stack lays two charts one above the other with a thin rule between.
func stack(upper, lower image.Image) image.Image {
	const gap = 6
	ub, lb := upper.Bounds(), lower.Bounds()
	img := image.NewRGBA(image.Rect(0, 0, max(ub.Dx(), lb.Dx()), ub.Dy()+gap+lb.Dy()))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(0, 0, ub.Dx(), ub.Dy()), upper, ub.Min, draw.Src)
	sep := image.Rect(8, ub.Dy()+gap/2-1, img.Bounds().Dx()-8, ub.Dy()+gap/2+1)
	draw.Draw(img, sep, image.NewUniform(color.Gray{0xC8}), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(0, ub.Dy()+gap, lb.Dx(), ub.Dy()+gap+lb.Dy()), lower, lb.Min, draw.Src)
	return img
}

// choose picks one case per scenario, deterministically, in three tiers:
// the first case whose verdict is right and names a shape (not
// inconclusive) over a window of at least a day — a picture must show the
// shape, and a shorter window cannot (test runs and batch jobs, the
// batch-* scenarios, are minutes long: any window of theirs will do);
// failing that, the first case whose verdict is right; failing that, the
// first case.
func choose(cases []corpus.Case) (map[string]pick, error) {
	want := map[string]bool{}
	for _, s := range scenarios {
		want[s] = true
	}
	picks := map[string]pick{}
	tier := map[string]int{} // 0 best … 2 worst; absent: nothing picked yet
	for _, c := range cases {
		if !want[c.Scenario] {
			continue
		}
		if t, ok := tier[c.Scenario]; ok && t == 0 {
			continue
		}
		v := classify(c)
		t := 2
		switch {
		case c.Correct(v.Shape) && v.Shape != shape.Inconclusive && (c.Window >= minWindow || strings.HasPrefix(c.Scenario, "batch-")):
			t = 0
		case c.Correct(v.Shape):
			t = 1
		}
		if old, ok := tier[c.Scenario]; !ok || t < old {
			picks[c.Scenario] = pick{c, v}
			tier[c.Scenario] = t
		}
	}
	for _, s := range scenarios {
		if _, ok := picks[s]; !ok {
			return nil, fmt.Errorf("the corpus has no scenario %q", s)
		}
	}
	return picks, nil
}

func classify(c corpus.Case) shape.Verdict {
	return shape.Classify(c.T, c.V, shape.Options{LimitBytes: c.Limit})
}

func toSeries(c corpus.Case) series.Series {
	return series.Series{Labels: map[string]string{"case": c.Name}, T: c.T, V: c.V}
}

func options(c corpus.Case) plot.Options {
	return plot.Options{Width: width, Height: height, Limit: c.Limit,
		Title: fmt.Sprintf("%s, %s window · labelled %s", c.Name, units.FormatDuration(c.Window), c.Want)}
}

// compare draws the trap case twice, one chart above the other: on top the
// least-squares line over the window that predict_linear extrapolates, at
// the bottom memshape's verdict.
func compare(w io.Writer, c corpus.Case, v shape.Verdict) error {
	s := toSeries(c)
	a, b, r2 := leastSquares(c.T, c.V)
	first, last := c.T[0], c.T[len(c.T)-1]
	horizon := baseline.DefaultHorizon
	line := shape.Fit{Model: shape.Linear, Start: first, End: last + horizon.Milliseconds(), Origin: first, A: a, B: b}
	fires := baseline.PredictLinear(c.T, c.V, c.Limit) == shape.Leak
	end := line.At(last)
	reach := "never reaches the limit"
	if b > 0 && c.Limit > end {
		reach = fmt.Sprintf("reaches the %s limit in ~%s", units.FormatBytesIEC(c.Limit), units.FormatDuration(time.Duration((c.Limit-end)/b)*time.Millisecond))
	} else if c.Limit > 0 && end >= c.Limit {
		reach = "is already past the limit"
	}
	alert := "does not fire yet"
	if fires {
		alert = "fires"
	}
	top := shape.Verdict{Explanation: fmt.Sprintf("A straight line fits the whole window with R² = %.2f, rising %s; read as a leak, it %s. predict_linear(mem[%s], 4h) > limit %s.",
		r2, units.FormatGrowth(b*3.6e6), reach, model.Duration(c.Window), alert)} // PromQL's own duration syntax
	o := options(c)
	o.Title = "What a straight line (predict_linear) sees — " + c.Name
	o.Extra = []plot.Line{{Label: "least-squares line over the window, projected 4 h", Fit: line, Color: color.Black}}
	upper, err := plot.Image(s, top, o)
	if err != nil {
		return err
	}
	o = options(c)
	o.Title = "what memshape sees"
	lower, err := plot.Image(s, v, o)
	if err != nil {
		return err
	}
	return plot.Encode(w, stack(upper, lower))
}

// leastSquares fits v = a + b·(t − t[0]) (b in bytes per ms) over the
// finite points, as predict_linear does, and returns R².
func leastSquares(t []int64, v []float64) (a, b, r2 float64) {
	var n, sx, sy, sxx, sxy, syy float64
	for i := range min(len(t), len(v)) {
		if math.IsNaN(v[i]) || math.IsInf(v[i], 0) {
			continue
		}
		x := float64(t[i] - t[0])
		n, sx, sy = n+1, sx+x, sy+v[i]
		sxx, sxy, syy = sxx+x*x, sxy+x*v[i], syy+v[i]*v[i]
	}
	if n < 2 {
		return math.NaN(), 0, math.NaN()
	}
	vx, vy, cxy := sxx-sx*sx/n, syy-sy*sy/n, sxy-sx*sy/n
	b = cxy / vx
	a = (sy - b*sx) / n
	r2 = cxy * cxy / (vx * vy)
	return a, b, r2
}

func write(file string, f func(io.Writer) error) error {
	out, err := os.Create(file)
	if err != nil {
		return err
	}
	if err := f(out); err != nil {
		out.Close()
		return fmt.Errorf("%s: %w", file, err)
	}
	return out.Close()
}
