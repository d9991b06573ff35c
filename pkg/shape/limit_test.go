package shape

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// A leak that restarts every 6 hours climbs 0.3 GiB a lifetime from 1 GiB:
// at this pace the 4 GiB limit is ~2 days away, but every restart resets
// the level long before.
func TestTimeToLimitHonoursRestarts(t *testing.T) {
	restarting := func(h float64) float64 {
		age := math.Mod(h+2, 6)
		if age < 0.05 {
			return 0.4 // the restart dip
		}
		return 1 + 0.05*age
	}
	tt, vv := series(3*24*time.Hour, time.Minute, 0.003, 11, restarting)
	v := Classify(tt, vv, Options{LimitBytes: 4 * GiB})
	if v.Shape != Leak {
		t.Fatalf("got %s: %s", v.Shape, v.Explanation)
	}
	if !v.RestartsResetFirst || v.HasTimeToLimit || v.TimeToLimit != 0 {
		t.Errorf("restarts reset first %v, time to limit %v (known %v): want true, none", v.RestartsResetFirst, v.TimeToLimit, v.HasTimeToLimit)
	}
	if d := v.TypicalLifetime - 6*time.Hour; d < -15*time.Minute || d > 15*time.Minute {
		t.Errorf("typical lifetime %v, want ~6 h", v.TypicalLifetime)
	}
	if !strings.Contains(v.Explanation, "restarts every ~6 h reset it") || strings.Contains(v.Explanation, "reaches") {
		t.Errorf("explanation %q should say the restarts reset it, not when it reaches the limit", v.Explanation)
	}
	// The growth is the climb within a lifetime, 0.05 GiB/h.
	if want := 0.05 * GiB; math.Abs(v.GrowthBytesPerHour-want) > 0.1*want {
		t.Errorf("growth %.3g B/h, want %.3g", v.GrowthBytesPerHour, want)
	}

	// With a limit of 1.3 GiB the current lifetime gets there within its
	// typical span: the time to limit stands, from the current level.
	v = Classify(tt, vv, Options{LimitBytes: 1.3 * GiB})
	if !v.HasTimeToLimit || v.RestartsResetFirst {
		t.Fatalf("limit 1.3 GiB: time to limit %v (known %v), reset first %v: %s", v.TimeToLimit, v.HasTimeToLimit, v.RestartsResetFirst, v.Explanation)
	}
	// The last lifetime began at 70 h and is 2 h old at 1.1 GiB: 4 h more.
	if v.TimeToLimit < 3*time.Hour || v.TimeToLimit > 5*time.Hour {
		t.Errorf("time to limit %v, want ~4 h from the current lifetime's level", v.TimeToLimit)
	}
	// Lifetimes that end at the limit are its OOM kills: say so.
	v = Classify(tt, vv, Options{LimitBytes: 1.31 * GiB})
	if !v.HasTimeToLimit || !strings.Contains(v.Explanation, "OOM") {
		t.Errorf("limit at the lifetimes' top: %s", v.Explanation)
	}
}

// Growth is one quantity for every shape: the lasting rise per hour; for a
// growing shape never negative.
func TestGrowthIsTheLastingRise(t *testing.T) {
	// 1 GiB, three jumps of 0.25 GiB over 72 h, flat between, each freeing
	// a little after its top: 0.75 GiB lasting over 72 h.
	jumps := staircase(func(float64) float64 { return 1 }, 0.25, 0.5, 14, 35, 52)
	freeing := func(h float64) float64 {
		y := jumps(h)
		for _, at := range []float64{14, 35, 52} {
			if h > at+0.5 {
				y -= 0.03 * math.Min((h-at-0.5)/2, 1)
			}
		}
		return y
	}
	tt, vv := series(72*time.Hour, time.Minute, 0.003, 12, freeing)
	v := Classify(tt, vv, Options{})
	if v.Shape != Bloat {
		t.Fatalf("got %s: %s", v.Shape, v.Explanation)
	}
	want := 3 * 0.22 * GiB / 72
	if v.GrowthBytesPerHour <= 0 || math.Abs(v.GrowthBytesPerHour-want) > 0.25*want {
		t.Errorf("bloat growth %.3g B/h, want ~%.3g", v.GrowthBytesPerHour, want)
	}
	// Fragmentation: the average over the window, positive.
	tt, vv = series(72*time.Hour, time.Minute, 0.003, 13, func(h float64) float64 { return 1 + 0.3*math.Log1p(h/2) })
	if v = Classify(tt, vv, Options{}); v.Shape != Fragmentation || v.GrowthBytesPerHour <= 0 {
		t.Errorf("fragmentation: %s with growth %.3g", v.Shape, v.GrowthBytesPerHour)
	}
}

func TestShapeIsGrowthAndSeverity(t *testing.T) {
	for _, s := range Shapes {
		if got, want := s.IsGrowth(), s == Leak || s == Fragmentation || s == Bloat; got != want {
			t.Errorf("%s.IsGrowth() = %v", s, got)
		}
	}
	order := slices.Clone(Shapes)
	slices.SortFunc(order, func(a, b Shape) int { return b.Severity() - a.Severity() })
	if want := []Shape{Leak, Bloat, Fragmentation, Inconclusive, Healthy}; !slices.Equal(order, want) {
		t.Errorf("by severity %v, want %v", order, want)
	}
	if Shape("other").Severity() >= Healthy.Severity() {
		t.Error("an unknown shape ranks at or above healthy")
	}
}
