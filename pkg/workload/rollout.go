package workload

import (
	"cmp"
	"slices"
	"strconv"
	"time"
)

// waveWindow is how close together the starts of a restart wave lie (a
// rolling restart replaces one pod after another, a minute or so apart):
// at least this, or three samples.
const waveWindow = 15 * time.Minute

// generations numbers the members' rollouts (members in order of their
// first samples) and returns one Rollout per generation after the first:
//
//   - a new ReplicaSet hash (a Deployment's rollout, or a rollback), a new
//     CronJob run, or a new image label starts a generation;
//   - so does a wave of replacements: at least half the replicas (two at
//     least) starting within a few minutes while as many end (a
//     StatefulSet's or DaemonSet's rolling restart, a restart of every
//     pod). Pods added by a scale-up replace nothing and start none.
//
// Series alive when the window begins belong to the first generation.
func generations(ms []Member) []Rollout {
	if len(ms) < 2 {
		return nil
	}
	start := ms[0].First
	step := sampleStep(ms)
	tol := 2 * step
	win := max(waveWindow.Milliseconds(), 3*step)
	need := max(2, (concurrency(ms)+1)/2)

	var out []Rollout
	gen := 0
	key := ms[0].Template + "\x00" + ms[0].Image
	for i := range ms {
		m := &ms[i]
		if m.First-start <= tol {
			m.Generation = 0
			if i == 0 || ms[i-1].First-start <= tol {
				key = m.Template + "\x00" + m.Image
			}
			continue
		}
		k := m.Template + "\x00" + m.Image
		switch {
		case k != key:
			gen++
			cause := "new image"
			if m.Template != "" && m.Template != splitKey(key) {
				cause = "new ReplicaSet"
			}
			out = append(out, Rollout{Generation: gen, At: m.First, Template: m.Template, Image: m.Image, Cause: cause})
			key = k
		case i > 0 && m.First-ms[i-1].First > win && wave(ms, i, win, need, tol, start):
			gen++
			out = append(out, Rollout{Generation: gen, At: m.First, Template: m.Template, Image: m.Image, Cause: "restart wave"})
		}
		m.Generation = gen
	}
	for k := range out {
		for _, m := range ms {
			if m.Generation == out[k].Generation && m.First-out[k].At <= win {
				out[k].Series++
			}
		}
	}
	return out
}

func splitKey(k string) string {
	for i := 0; i < len(k); i++ {
		if k[i] == 0 {
			return k[:i]
		}
	}
	return k
}

// wave reports whether the members starting at ms[i] are a wave of
// replacements: need or more start within win of it, and as many members
// that began before it end within win of those starts.
func wave(ms []Member, i int, win int64, need int, tol, start int64) bool {
	from := ms[i].First
	starts := 0
	for j := i; j < len(ms) && ms[j].First-from <= win; j++ {
		starts++
	}
	if starts < need {
		return false
	}
	ends := 0
	for j := 0; j < i; j++ {
		if l := ms[j].Last; l >= from-win && l <= from+2*win {
			ends++
		}
	}
	return ends >= need
}

// concurrency is the most members alive at once.
func concurrency(ms []Member) int {
	type edge struct {
		at    int64
		delta int
	}
	edges := make([]edge, 0, 2*len(ms))
	for _, m := range ms {
		edges = append(edges, edge{m.First, 1}, edge{m.Last + 1, -1})
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if c := cmp.Compare(a.at, b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.delta, b.delta)
	})
	most, now := 0, 0
	for _, e := range edges {
		now += e.delta
		most = max(most, now)
	}
	return most
}

// sampleStep is the members' typical spacing of samples, ms (at least a
// second).
func sampleStep(ms []Member) int64 {
	steps := make([]int64, 0, len(ms))
	for _, m := range ms {
		if m.Step > 0 {
			steps = append(steps, m.Step)
		}
	}
	if len(steps) == 0 {
		return 1000
	}
	slices.Sort(steps)
	return max(steps[len(steps)/2], 1000)
}

func itoa(n int) string { return strconv.Itoa(n) }
