package demo

import (
	"fmt"
	"math"
	"time"

	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/workload"
)

// Workloads is the demo cluster, in reading order: every shape of the
// seed post, each behind the churn a real cluster puts it through —
// Deployments rolled to new pod names every few hours, an autoscaled
// worker whose pods live an hour or four, a DaemonSet whose containers
// are OOM-killed and restarted, StatefulSets restarted in place.
func Workloads(now time.Time) []Workload {
	const h = time.Hour
	return []Workload{
		{
			Namespace: "shop", Name: "cart", Kind: workload.Deployment, Replicas: 3, Want: shape.Leak,
			Story: "leaks 15 MiB/h in every pod; rolled to new pods every 8 h, so no pod lives long enough to show it alone",
			Limit: 1 * GiB, noise: 0.004, rollout: 8 * h, rolloutPhase: 2*h + 17*time.Minute,
			memory: func(c Container, age, t float64) float64 { return restarted(age, 300*MiB) + 15*MiB*age/hour },
		},
		{
			Namespace: "shop", Name: "checkout", Kind: workload.Deployment, Replicas: 2, Want: shape.Leak,
			Story: "leaks 18 MiB/h, hidden by a deploy every night at 02:00",
			Limit: 1 * GiB, noise: 0.004, rollout: 24 * h, rolloutPhase: 2 * h,
			memory: func(c Container, age, t float64) float64 { return restarted(age, 300*MiB) + 18*MiB*age/hour },
		},
		payments(now),
		{
			Namespace: "shop", Name: "orders", Kind: workload.StatefulSet, Replicas: 1, Want: shape.Leak,
			Story: "a GC sawtooth whose floor leaks 12 MiB/h; OOM-killed at its 1.5 GiB limit every ~2.8 days (a new container each time)",
			Limit: 1.5 * GiB, noise: 0.003, oom: oomAfter(600*MiB, 12*MiB, 1.5*GiB-140*MiB),
			memory: func(c Container, age, t float64) float64 {
				return restarted(age, 600*MiB) + 12*MiB*age/hour + sawtooth(t, 140*MiB, 7*60)
			},
		},
		{
			Namespace: "kube-system", Name: "node-agent", Kind: workload.DaemonSet, Replicas: 4, Want: shape.Leak,
			Story: "a DaemonSet on 4 nodes that leaks 6 MiB/h until the OOM kill at 512 MiB, every ~2.6 days per node",
			Limit: 512 * MiB, noise: 0.004, oom: oomAfter(130*MiB, 6*MiB, 512*MiB),
			rollout: 5 * 24 * h, rolloutPhase: 9 * h,
			memory: func(c Container, age, t float64) float64 { return restarted(age, 130*MiB) + 6*MiB*age/hour },
		},
		{
			Namespace: "shop", Name: "sessions", Kind: workload.Deployment, Replicas: 3, Want: shape.Healthy,
			Story: "flat at 512 MiB; rolled every 6 hours",
			Limit: 1 * GiB, noise: 0.005, rollout: 6 * h, rolloutPhase: 40 * time.Minute,
			memory: func(c Container, age, t float64) float64 { return restarted(age, 512*MiB) },
		},
		{
			Namespace: "shop", Name: "frontend", Kind: workload.Deployment, Replicas: 3, Want: shape.Healthy,
			Story: "follows the daily traffic, ±12 % around 800 MiB; rolled daily",
			Limit: 2 * GiB, noise: 0.004, rollout: 24 * h, rolloutPhase: 11 * h,
			memory: func(c Container, age, t float64) float64 {
				return restarted(age, 800*MiB*(1+0.12*math.Sin(2*math.Pi*(t-14*hour)/day)))
			},
		},
		{
			Namespace: "jobs", Name: "worker", Kind: workload.Deployment, Replicas: 6, Want: shape.Healthy,
			Story: "autoscaled between 2 and 6 pods over the day, each living 1–4 h; warms up to 260 MiB and stays",
			Limit: 1 * GiB, noise: 0.005, rollout: 24 * h, rolloutPhase: 4 * h,
			autoscale: &autoscale{min: 2, life: [2]time.Duration{1 * h, 4 * h}},
			memory: func(c Container, age, t float64) float64 {
				return 260 * MiB * (1 - 0.5*math.Exp(-age/(8*60)))
			},
		},
		{
			Namespace: "shop", Name: "cache", Kind: workload.StatefulSet, Replicas: 2, Want: shape.Healthy,
			Story: "a garbage collector's 300 MiB sawtooth on a flat 1 GiB floor; restarted every 6 hours",
			Limit: 2 * GiB, noise: 0.002, restart: 6 * h, restartPhase: 1 * h,
			memory: func(c Container, age, t float64) float64 {
				return restarted(age, 1*GiB) + sawtooth(t, 300*MiB, 7*60+20)
			},
		},
		{
			Namespace: "search", Name: "indexer", Kind: workload.Deployment, Replicas: 2, Want: shape.Fragmentation,
			Story: "grows ever slower (logarithmically) in every pod; rolled daily at 01:00",
			Limit: 2 * GiB, noise: 0.003, rollout: 24 * h, rolloutPhase: 1 * h,
			memory: func(c Container, age, t float64) float64 {
				return restarted(age, 700*MiB) + 150*MiB*math.Log1p(age/(1.5*hour))
			},
		},
		{
			Namespace: "search", Name: "ranker", Kind: workload.StatefulSet, Replicas: 2, Want: shape.Fragmentation,
			Story: "climbs toward a ceiling 500 MiB above its start; restarted every 2 days",
			Limit: 2.5 * GiB, noise: 0.003, restart: 48 * h, restartPhase: 9 * h,
			memory: func(c Container, age, t float64) float64 {
				return restarted(age, 900*MiB) - 500*MiB*math.Expm1(-age/(10*hour))
			},
		},
		{
			Namespace: "search", Name: "images", Kind: workload.StatefulSet, Replicas: 1, Want: shape.Bloat,
			Story: "jumps by 120–280 MiB about once a day and keeps most of it; restarted every 10 days",
			Limit: 3 * GiB, noise: 0.003, restart: 10 * 24 * h, restartPhase: 7 * h,
			memory: func(c Container, age, t float64) float64 {
				return restarted(age, 500*MiB) + jumps("images", c.Generation, age, 26*hour, 120*MiB, 280*MiB)
			},
		},
		{
			Namespace: "search", Name: "recommender", Kind: workload.StatefulSet, Replicas: 1, Want: shape.Fragmentation,
			Accept: []shape.Shape{shape.Bloat},
			Story:  "the trap: bloat jumps on a logarithmic rise that together look like a straight line; restarted every 4 days",
			Limit:  3 * GiB, noise: 0.003, restart: trapLife, restartPhase: trapPhase,
			memory: func(c Container, age, t float64) float64 {
				return restarted(age, 800*MiB) + 260*MiB*math.Log1p(age/(10*hour)) +
					jumps("recommender", c.Generation, age, 14*hour, 60*MiB, 120*MiB)
			},
		},
	}
}

// Releases of shop/payments: a new image every week, rolled out with the
// Monday 05:40 UTC rollout; the odd ones leak 20 MiB/h, the even ones fix
// it.
const releaseEvery = 7 * 24 * time.Hour

var releasePhase = 4*24*time.Hour + 5*time.Hour + 40*time.Minute // the epoch was a Thursday

// Release is the moment shop/payments' release in force at t was rolled
// out, its image, and whether it leaks.
func Release(t time.Time) (at time.Time, image string, leaks bool) {
	k, _ := periods(t, t, releaseEvery, releasePhase)
	return periodStart(k, releaseEvery, releasePhase), fmt.Sprintf("registry.example/shop/payments:1.%d.%d", k/100, k%100), k%2 == 1
}

// payments is rolled every 12 h and released weekly: a window of a week
// holds one release, which either starts the leak or fixes it. The shape
// it should be called is the release in force at now: a leak (or not yet
// told, in the first day and a half) or healthy.
func payments(now time.Time) Workload {
	since, _, leaks := Release(now)
	w := Workload{
		Namespace: "shop", Name: "payments", Kind: workload.Deployment, Replicas: 2, Want: shape.Healthy,
		Story: "released weekly: the odd releases leak 20 MiB/h from their first pod, the even ones fix it; rolled every 12 h",
		Limit: 1536 * MiB, noise: 0.004, rollout: 12 * time.Hour, rolloutPhase: 5*time.Hour + 40*time.Minute,
		imageAt: func(t time.Time) string { _, im, _ := Release(t); return im },
		memory: func(c Container, age, t float64) float64 {
			v := restarted(age, 420*MiB)
			if _, _, leaks := Release(c.Start); leaks {
				v += 20 * MiB * age / hour
			}
			return v
		},
	}
	if leaks {
		w.Want = shape.Leak
		w.Story = "the release in force (" + since.Format("Mon 01-02 15:04") + ") leaks 20 MiB/h; the one before did not; rolled every 12 h"
	} else {
		w.Story = "the release in force (" + since.Format("Mon 01-02 15:04") + ") fixed the leak of the one before; rolled every 12 h"
	}
	if now.Sub(since) < 36*time.Hour {
		// Too soon after the release to tell: the shape of the release
		// before still stands, or it is not yet told.
		w.Accept = []shape.Shape{shape.Inconclusive, shape.Leak, shape.Healthy}
	}
	return w
}

const (
	trapLife  = 4 * 24 * time.Hour
	trapPhase = 20 * time.Hour
)

// oomAfter is how long a container leaking rate bytes an hour from base
// lives until it reaches limit and is OOM-killed.
func oomAfter(base, rate, limit float64) time.Duration {
	return time.Duration((limit - base) / rate * float64(time.Hour))
}
