package corpus

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/pkg/shape"
)

// defaultCorpus is the reference corpus, generated once per test binary.
var defaultCorpus = sync.OnceValue(func() []Case { return Generate(DefaultSeed, DefaultPerScenario) })

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := Generate(7, 4), Generate(7, 4)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave different corpora")
	}
	c := Generate(8, 4)
	if reflect.DeepEqual(a[0].V, c[0].V) {
		t.Error("seeds 7 and 8 gave the same first series")
	}
	// A smaller corpus is a prefix of each scenario's cases.
	small := Generate(7, 2)
	for _, s := range small {
		i := slices.IndexFunc(a, func(x Case) bool { return x.Name == s.Name })
		if i < 0 || !reflect.DeepEqual(a[i], s) {
			t.Errorf("%s differs between perScenario 2 and 4", s.Name)
		}
	}
}

func TestDefaultCorpusSize(t *testing.T) {
	start := time.Now()
	cases := Generate(DefaultSeed, DefaultPerScenario)
	t.Logf("generated %d cases in %v", len(cases), time.Since(start))
	if len(cases) < 2000 {
		t.Errorf("%d cases, want at least 2000", len(cases))
	}
	if n := len(Scenarios()); n < 16 {
		t.Errorf("%d scenarios, want at least 16", n)
	}
	count := map[string]int{}
	for _, c := range defaultCorpus() {
		count[c.Scenario]++
	}
	for _, s := range Scenarios() {
		if count[s] != DefaultPerScenario {
			t.Errorf("scenario %s has %d cases, want %d", s, count[s], DefaultPerScenario)
		}
	}
}

func TestCasesAreWellFormed(t *testing.T) {
	names := map[string]bool{}
	start := Epoch.UnixMilli()
	for _, c := range defaultCorpus() {
		if names[c.Name] {
			t.Errorf("duplicate name %s", c.Name)
		}
		names[c.Name] = true
		if i := slices.IndexFunc(ladders, func(l ladder) bool { return l.window == c.Window }); i < 0 || !slices.Contains(ladders[i].steps, c.Step) {
			t.Errorf("%s: window %v / step %v not from the lists", c.Name, c.Window, c.Step)
		}
		if len(c.T) != len(c.V) {
			t.Fatalf("%s: %d timestamps, %d values", c.Name, len(c.T), len(c.V))
		}
		if n := len(c.T); n > MaxPoints || n < MinPoints*8/10 {
			t.Errorf("%s: %d points", c.Name, n)
		}
		if full := points(c.Window, c.Step); full > MaxPoints || full < MinPoints {
			t.Errorf("%s: the frame has %d points", c.Name, full)
		}
		if c.T[0] != start || c.T[len(c.T)-1] > start+c.Window.Milliseconds() {
			t.Errorf("%s: spans %d..%d, want within the window from %d", c.Name, c.T[0], c.T[len(c.T)-1], start)
		}
		peak := 0.0
		for i, v := range c.V {
			if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
				t.Fatalf("%s: value %d is %v", c.Name, i, v)
			}
			peak = max(peak, v)
			if i == 0 {
				continue
			}
			if d := c.T[i] - c.T[i-1]; d <= 0 || d%c.Step.Milliseconds() != 0 {
				t.Fatalf("%s: timestamps %d and %d are %d ms apart (step %v)", c.Name, i-1, i, d, c.Step)
			}
		}
		// The limit is set from the peak at the finest step, which may hold
		// a spike (up to +50 % of the base) that a coarser view misses.
		if c.Limit < 1.02*peak || c.Limit > 6*peak {
			t.Errorf("%s: limit %.3g is %.2f× the peak", c.Name, c.Limit, c.Limit/peak)
		}
		if !slices.Contains(shape.Shapes, c.Want) {
			t.Errorf("%s: unknown label %q", c.Name, c.Want)
		}
		for _, a := range c.Accept {
			if a == c.Want || !slices.Contains(shape.Shapes, a) {
				t.Errorf("%s: odd accepted answer %q", c.Name, a)
			}
		}
	}
}

// TestLabelsFollowTheRules checks every label against the scenario's
// definition.
func TestLabelsFollowTheRules(t *testing.T) {
	want := map[string]shape.Shape{
		"healthy-flat": shape.Healthy, "healthy-warmup": shape.Healthy, "healthy-gc": shape.Healthy,
		"healthy-diurnal": shape.Healthy, "healthy-restarts": shape.Healthy, "healthy-spikes": shape.Healthy,
		"healthy-deploy": shape.Healthy, "healthy-release": shape.Healthy,
		"leak": shape.Leak, "leak-slow": shape.Leak, "leak-restarts": shape.Leak, "leak-gc": shape.Leak,
		"leak-diurnal": shape.Leak, "leak-gap": shape.Leak,
		"fragmentation-log": shape.Fragmentation, "fragmentation-saturating": shape.Fragmentation,
		"fragmentation-restarts": shape.Fragmentation, "trap": shape.Fragmentation,
		"bloat": shape.Bloat, "bloat-gc": shape.Bloat,
		"batch-healthy": shape.Healthy, "batch-startup": shape.Healthy, "batch-churn": shape.Fragmentation,
		"batch-leak": shape.Leak, "batch-leak-steps": shape.Leak, "bloat-slow": shape.Bloat,
		"bloat-daily": shape.Bloat, "leak-restart-end": shape.Leak, "leak-jumps": shape.Leak,
	}
	minWindow := map[string]time.Duration{
		"leak-slow": 48 * time.Hour, "leak-restarts": 24 * time.Hour, "leak-diurnal": 72 * time.Hour,
		"leak-gap": LeakMinWindow, "fragmentation-restarts": 48 * time.Hour,
		"bloat-daily": 72 * time.Hour, "leak-restart-end": 48 * time.Hour, "leak-jumps": 24 * time.Hour,
	}
	for _, s := range Scenarios() {
		if _, ok := want[s]; !ok {
			t.Errorf("scenario %s has no rule in this test", s)
		}
	}
	seen := map[string][]time.Duration{}
	for _, c := range defaultCorpus() {
		if c.Window < minWindow[c.Scenario] {
			t.Errorf("%s: window %v, want at least %v", c.Name, c.Window, minWindow[c.Scenario])
		}
		if !slices.Contains(seen[c.Scenario], c.Window) {
			seen[c.Scenario] = append(seen[c.Scenario], c.Window)
		}
		w, accept := want[c.Scenario], []shape.Shape(nil)
		switch c.Scenario {
		case "leak", "leak-gc":
			if c.Window < LeakMinWindow {
				w, accept = shape.Inconclusive, []shape.Shape{shape.Leak}
			}
		case "healthy-diurnal":
			if c.Window < DiurnalMinWindow {
				accept = []shape.Shape{shape.Inconclusive}
			}
		case "trap":
			accept = []shape.Shape{shape.Bloat}
			if c.Window < LeakMinWindow {
				accept = append(accept, shape.Inconclusive)
			}
		case "batch-startup":
			accept = []shape.Shape{shape.Bloat}
		case "batch-churn":
			accept = []shape.Shape{shape.Healthy, shape.Inconclusive}
		case "batch-leak", "batch-leak-steps":
			if c.Want == shape.Inconclusive { // a rise under LeakMinGrowth
				w, accept = shape.Inconclusive, []shape.Shape{shape.Leak}
			}
		}
		if ScaleOf(c.Window) == Minutes && c.Window >= time.Hour || strings.HasPrefix(c.Scenario, "batch-") && ScaleOf(c.Window) != Minutes {
			t.Errorf("%s: window %v at the wrong scale", c.Name, c.Window)
		}
		if c.Want != w || !slices.Equal(c.Accept, accept) {
			t.Errorf("%s (window %v): labelled %s accepting %v, want %s accepting %v",
				c.Name, c.Window, c.Want, c.Accept, w, accept)
		}
		if c.Want != shape.Leak && c.Window >= LeakMinWindow && slices.Contains(c.Accept, shape.Leak) {
			t.Errorf("%s: accepts leak though it is no leak", c.Name)
		}
	}
	// Scenarios without a window rule should see short windows too.
	for _, s := range []string{"leak", "leak-gc", "trap", "healthy-diurnal", "bloat"} {
		if !slices.Contains(seen[s], time.Hour) || !slices.Contains(seen[s], 14*24*time.Hour) {
			t.Errorf("scenario %s saw only windows %v", s, seen[s])
		}
	}
	// A slow rise is drawn at every scale.
	if !slices.Contains(seen["bloat-slow"], 2*time.Minute) || !slices.Contains(seen["bloat-slow"], 14*24*time.Hour) {
		t.Errorf("scenario bloat-slow saw only windows %v", seen["bloat-slow"])
	}
}

// TestTrapLooksLinear checks the seed post's point: a straight line fits
// bloat plus fragmentation well.
func TestTrapLooksLinear(t *testing.T) {
	n := 0
	for _, c := range defaultCorpus() {
		if c.Scenario != "trap" {
			continue
		}
		n++
		if r2 := LinearR2(c.T, c.V); r2 < TrapMinR2 {
			t.Errorf("%s: linear R² %.3f < %.2f", c.Name, r2, TrapMinR2)
		}
		if c.Want == shape.Leak || slices.Contains(c.Accept, shape.Leak) {
			t.Errorf("%s: a trap must never count leak as right", c.Name)
		}
	}
	if n == 0 {
		t.Fatal("no trap cases")
	}
}

// TestCurvesHaveTheirShape checks the curves roughly, from the series
// alone: growth scenarios end higher than they start; fragmentation grows
// faster in its first half than in its second; healthy-flat does not grow.
func TestCurvesHaveTheirShape(t *testing.T) {
	for _, c := range defaultCorpus() {
		n := len(c.V)
		head, mid, tail := median(c.V[:n/10]), median(c.V[n*45/100:n*55/100]), median(c.V[n*9/10:])
		switch c.Scenario {
		case "leak", "leak-slow", "leak-gc", "leak-diurnal", "leak-gap", "fragmentation-log",
			"fragmentation-saturating", "bloat", "trap":
			if tail < head*1.04 {
				t.Errorf("%s: does not grow (head %.3g, tail %.3g)", c.Name, head, tail)
			}
		case "healthy-flat":
			if math.Abs(tail/head-1) > 0.03 {
				t.Errorf("%s: moves %.1f%%", c.Name, 100*(tail/head-1))
			}
		}
		if c.Scenario == "fragmentation-log" || c.Scenario == "fragmentation-saturating" {
			if mid-head <= tail-mid {
				t.Errorf("%s: growth does not slow (first half %.3g, second %.3g)", c.Name, mid-head, tail-mid)
			}
		}
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func TestLinearR2(t *testing.T) {
	ts := []int64{0, 1000, 2000, 3000}
	if r2 := LinearR2(ts, []float64{1, 2, 3, 4}); math.Abs(r2-1) > 1e-12 {
		t.Errorf("a line: R² %v", r2)
	}
	if r2 := LinearR2(ts, []float64{1, math.NaN(), 3, 4}); math.Abs(r2-1) > 1e-12 {
		t.Errorf("a line with NaN: R² %v", r2)
	}
	if r2 := LinearR2(ts[:1], []float64{1}); !math.IsNaN(r2) {
		t.Errorf("one point: R² %v, want NaN", r2)
	}
}

func BenchmarkGenerateDefault(b *testing.B) {
	for b.Loop() {
		Generate(DefaultSeed, DefaultPerScenario)
	}
}

// TestLadders checks that every step of a window's ladder is a multiple of
// its finest (a coarser view leaves points out of a finer one) and keeps
// enough points.
func TestLadders(t *testing.T) {
	for _, l := range ladders {
		for _, s := range l.steps {
			if s%l.steps[0] != 0 {
				t.Errorf("window %v: step %v is no multiple of %v", l.window, s, l.steps[0])
			}
			if n := points(l.window, s); n < 120 || n > MaxPoints {
				t.Errorf("window %v at %v: %d points", l.window, s, n)
			}
		}
	}
}

// TestGenerateStepsViewsOneSeries checks that the views of a case are one
// scrape seen at several steps: every point of a coarser view is a point of
// the finest, and one view is the case Generate returns.
func TestGenerateStepsViewsOneSeries(t *testing.T) {
	groups := GenerateSteps(3, 2)
	cases := Generate(3, 2)
	if len(groups) != len(cases) {
		t.Fatalf("%d groups, %d cases", len(groups), len(cases))
	}
	for g, views := range groups {
		fine := map[int64]float64{}
		for i, ts := range views[0].T {
			fine[ts] = views[0].V[i]
		}
		found := false
		for _, v := range views {
			if v.Name != cases[g].Name || v.Limit != views[0].Limit {
				t.Errorf("%s: views differ in name or limit", v.Name)
			}
			for i, ts := range v.T {
				if x, ok := fine[ts]; !ok || x != v.V[i] {
					t.Fatalf("%s at %v: point %d is not a point of the finest view", v.Name, v.Step, i)
				}
			}
			found = found || reflect.DeepEqual(v, cases[g])
		}
		if !found {
			t.Errorf("%s: no view is the case Generate returns", cases[g].Name)
		}
	}
}
