package demo

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/shape/corpus"
	"github.com/memshape/memory-datasource/pkg/workload"
)

// nows are the moments the demo may be run at: every 13 hours over five
// weeks, so every workload is seen at every phase of its rollouts,
// restarts, OOM kills, jumps, releases and daily cycle.
func nows() []time.Time {
	start := time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
	var out []time.Time
	for t := start; t.Before(start.Add(35 * 24 * time.Hour)); t = t.Add(13 * time.Hour) {
		out = append(out, t)
	}
	return out
}

// seriesOf is the workloads' memory series over the week before now, as
// the demo's query fetches them (a 5-minute step).
func seriesOf(ws []Workload, now time.Time) []series.Series {
	var out []series.Series
	for _, w := range ws {
		out = append(out, w.Series(now.Add(-7*24*time.Hour), now.Add(time.Millisecond), 5*time.Minute, nil)...)
	}
	return out
}

// Whenever the demo runs, every workload's last week is named as its story
// says — judged across its pods and containers as the plugin does (grouped
// automatically from the pod names) — and no workload built without a
// leak is ever called one.
func TestEveryWorkloadIsNamedRightWheneverTheDemoRuns(t *testing.T) {
	wrong := map[string]map[shape.Shape]int{}
	first := map[string]string{}
	changed := map[string]int{}
	for _, now := range nows() {
		ws := Workloads(now)
		mem := seriesOf(ws, now)
		groups, _ := workload.Group(mem, workload.By{Mode: workload.Auto})
		if len(groups) != len(ws) {
			t.Fatalf("at %s: %d workloads grouped from %d series, want %d", now, len(groups), len(mem), len(ws))
		}
		for _, g := range groups {
			w := find(ws, g.Namespace, g.Name)
			if w == nil {
				t.Fatalf("grouped %s/%s, no demo workload", g.Namespace, g.Name)
			}
			v := workload.Judge(g, mem, shape.Options{LimitBytes: w.Limit})
			// Only a release that changed the shape is named as one: no
			// other workload's restarts are "the rollout" its shape changed at.
			if c := v.Pool.Change; c != nil && w.Name != "payments" {
				changed[w.Name]++
				if changed[w.Name] == 1 {
					t.Errorf("at %s: %s/%s names a change at %s it was not built with: %s", now.Format(time.RFC3339), w.Namespace, w.Name,
						time.UnixMilli(c.At).UTC().Format(time.RFC3339), v.Explanation)
				}
			}
			if v.Shape == shape.Leak && w.Want != shape.Leak && !w.Correct(shape.Leak) {
				t.Errorf("at %s: %s/%s called a leak (%s)", now.Format(time.RFC3339), w.Namespace, w.Name, v.Explanation)
			}
			if !w.Correct(v.Shape) {
				if wrong[w.Name] == nil {
					wrong[w.Name] = map[shape.Shape]int{}
					first[w.Name] = fmt.Sprintf("at %s: %s (%s)", now.Format(time.RFC3339), v.Shape, v.Explanation)
				}
				wrong[w.Name][v.Shape]++
			}
		}
	}
	for name, got := range wrong {
		t.Errorf("%s: wrong at %v of %d moments, first %s", name, got, len(nows()), first[name])
	}
}

func find(ws []Workload, ns, name string) *Workload {
	for i := range ws {
		if ws[i].Namespace == ns && ws[i].Name == name {
			return &ws[i]
		}
	}
	return nil
}

// The cluster churns as a real one does: every rollout gives a
// Deployment's pods new names, an autoscaled worker's pods live an hour to
// four, an OOM-killed container comes back as a new series (a new id) of
// the same pod, a StatefulSet keeps its pod names across restarts.
func TestTheClusterChurns(t *testing.T) {
	now := time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC)
	from := now.Add(-7 * 24 * time.Hour)
	for _, w := range Workloads(now) {
		cs := w.Containers(from, now)
		pods, ids := map[string]int{}, map[string]bool{}
		for _, c := range cs {
			pods[c.Pod]++
			if ids[w.Labels(c)["id"]] {
				t.Errorf("%s: container id %s twice", w.Name, w.Labels(c)["id"])
			}
			ids[w.Labels(c)["id"]] = true
			if got := workload.ParsePod(c.Pod); got.Workload != w.Name {
				t.Errorf("%s: pod %s reads as workload %q (%s)", w.Name, c.Pod, got.Workload, got.Kind)
			}
		}
		switch w.Name {
		case "cart":
			if len(pods) < 60 {
				t.Errorf("cart: %d pods in a week, want 3 replicas × 21 rollouts", len(pods))
			}
		case "worker":
			for _, c := range cs {
				if life := c.End.Sub(c.Start); c.Start.After(from) && c.End.Before(now) && (life < time.Hour-time.Minute || life > 4*time.Hour) {
					if c.End.Sub(c.Start) < time.Hour && (c.End.Hour()*60+c.End.Minute())%(24*60) == 4*60 {
						continue // cut short by the daily rollout
					}
					t.Errorf("worker: pod %s lived %s", c.Pod, life)
				}
			}
		case "node-agent":
			restarted := 0
			for _, n := range pods {
				if n > 1 {
					restarted++
				}
			}
			if restarted == 0 {
				t.Errorf("node-agent: no OOM-killed container came back in its pod (%v)", pods)
			}
		case "cache":
			if len(pods) != w.Replicas {
				t.Errorf("cache: pods %v, want the %d ordinals only", pods, w.Replicas)
			}
		}
	}
}

// The trap is a trap by the labelled corpus' own definition: over each
// lifetime it fits a straight line with R² of at least corpus.TrapMinR2,
// so a linear leak detector calls it a leak — and Memory Shape does not.
func TestTheTrapLooksLinearButIsNoLeak(t *testing.T) {
	now := time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC)
	trap := find(Workloads(now), "search", "recommender")
	for _, c := range trap.Containers(now.Add(-60*24*time.Hour), now) {
		if c.End.After(now) {
			continue
		}
		var ts []int64
		var vs []float64
		for at := c.Start.Add(time.Hour); at.Before(c.End.Add(-time.Hour)); at = at.Add(5 * time.Minute) {
			ts = append(ts, at.UnixMilli())
			vs = append(vs, trap.Bytes(c, at))
		}
		if r2 := corpus.LinearR2(ts, vs); r2 < corpus.TrapMinR2 {
			t.Errorf("lifetime from %s: R² %.3f < %.2f: not linear-looking", c.Start.Format(time.RFC3339), r2, corpus.TrapMinR2)
		}
		if v := shape.Classify(ts, vs, shape.Options{LimitBytes: trap.Limit}); !trap.Correct(v.Shape) {
			t.Errorf("lifetime from %s: %s (%s), want fragmentation or bloat", c.Start.Format(time.RFC3339), v.Shape, v.Explanation)
		}
	}
}

// The same instant always gives the same containers and values, whatever
// window is asked for, and no container goes over its limit: the history
// and the live exporter agree to the byte.
func TestTheClusterIsAFunctionOfTime(t *testing.T) {
	at := time.Date(2026, 11, 20, 13, 37, 0, 0, time.UTC)
	for _, w := range Workloads(at) {
		near := w.Containers(at, at.Add(time.Millisecond))
		wide := w.Containers(at.Add(-6*24*time.Hour), at.Add(time.Millisecond))
		for _, c := range near {
			found := false
			for _, d := range wide {
				found = found || (d.ID == c.ID && d.Pod == c.Pod && d.Start.Equal(c.Start))
			}
			if !found {
				t.Errorf("%s: container %s of %s is not in a wider window", w.Name, c.ID[:12], c.Pod)
			}
			a, b := w.Bytes(c, at), w.Bytes(c, at.Add(0))
			if a != b || math.IsNaN(a) || a <= 0 {
				t.Errorf("%s: Bytes gave %v then %v", c.Pod, a, b)
			}
			if a > w.Limit {
				t.Errorf("%s: %v bytes is over the limit %v", c.Pod, a, w.Limit)
			}
		}
		if len(near) == 0 {
			t.Errorf("%s: no container alive at %s", w.Name, at)
		}
	}
}
