package demo

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/shape/corpus"
)

// window samples a service as the demo queries it: the last seven days
// before now at a 5-minute step, each point the history sample Prometheus
// would select (the latest one-minute sample at or before the step).
func window(s Service, now time.Time) ([]int64, []float64) {
	const step = 5 * time.Minute
	end := now.Truncate(HistoryStep)
	var ts []int64
	var vs []float64
	for t := end.Add(-7 * 24 * time.Hour); !t.After(end); t = t.Add(step) {
		ts = append(ts, t.UnixMilli())
		vs = append(vs, s.Bytes(t.Truncate(HistoryStep)))
	}
	return ts, vs
}

// nows are the moments the demo may be run at: every 7 hours over 60
// days, the longest period of any service, so every service is seen at
// every phase of its restarts, jumps and daily cycle.
func nows() []time.Time {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var out []time.Time
	for t := start; t.Before(start.Add(60 * 24 * time.Hour)); t = t.Add(7 * time.Hour) {
		out = append(out, t)
	}
	return out
}

// Whenever the demo runs, every service's last week is named as its story
// says — the point of the demo is that the verdicts are right the moment
// Grafana opens.
func TestEveryServiceIsNamedRightWheneverTheDemoRuns(t *testing.T) {
	for _, s := range Services() {
		wrong := map[shape.Shape]int{}
		var first string
		n := 0
		for _, now := range nows() {
			ts, vs := window(s, now)
			v := shape.Classify(ts, vs, shape.Options{LimitBytes: s.Limit})
			n++
			if !s.Correct(v.Shape) {
				wrong[v.Shape]++
				if first == "" {
					first = fmt.Sprintf("at %s: %s (%s)", now.Format(time.RFC3339), v.Shape, v.Explanation)
				}
			}
		}
		if len(wrong) > 0 {
			t.Errorf("%s/%s (%s, want %s): wrong at %v of %d moments, first %s", s.Namespace, s.Pod, s.Story, s.Want, wrong, n, first)
		}
	}
}

// The trap is a trap by the labelled corpus' own definition: over each
// lifetime it fits a straight line with R² of at least corpus.TrapMinR2,
// so a linear leak detector calls it a leak — and Memory Shape does not.
func TestTheTrapLooksLinearButIsNoLeak(t *testing.T) {
	var trap Service
	for _, s := range Services() {
		if s.Pod == "recommender-0" {
			trap = s
		}
	}
	first := time.Unix(int64(trapPhase+4000*trapLife), 0).UTC()
	for k := range 15 { // 60 days
		from := first.Add(time.Duration(k) * time.Duration(trapLife) * time.Second).Add(time.Hour)
		to := from.Add(time.Duration(trapLife)*time.Second - 2*time.Hour)
		var ts []int64
		var vs []float64
		for at := from; at.Before(to); at = at.Add(5 * time.Minute) {
			ts = append(ts, at.UnixMilli())
			vs = append(vs, trap.Bytes(at))
		}
		if r2 := corpus.LinearR2(ts, vs); r2 < corpus.TrapMinR2 {
			t.Errorf("lifetime from %s: R² %.3f < %.2f: not linear-looking", from.Format(time.RFC3339), r2, corpus.TrapMinR2)
		}
		if v := shape.Classify(ts, vs, shape.Options{LimitBytes: trap.Limit}); !trap.Correct(v.Shape) {
			t.Errorf("lifetime from %s: %s (%s), want fragmentation or bloat", from.Format(time.RFC3339), v.Shape, v.Explanation)
		}
	}
}

// The same instant always gives the same value, and the noise is small and
// centred: the history and the live exporter agree to the byte.
func TestBytesIsAFunctionOfTime(t *testing.T) {
	at := time.Date(2026, 11, 20, 13, 37, 0, 0, time.UTC)
	for _, s := range Services() {
		a, b := s.Bytes(at), s.Bytes(at.Add(0))
		if a != b || math.IsNaN(a) || a <= 0 {
			t.Errorf("%s: Bytes gave %v then %v", s.Pod, a, b)
		}
		if a > s.Limit {
			t.Errorf("%s: %v bytes is over the limit %v", s.Pod, a, s.Limit)
		}
	}
}
