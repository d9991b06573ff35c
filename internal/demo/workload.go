// Package demo is Memory Shape's demo workload: a fleet of services whose
// memory follows every shape of the seed post — leaks (also under restarts
// and a GC sawtooth), fragmentation (logarithmic and saturating), bloat,
// bloat plus fragmentation (the trap), and the healthy nuisances that fool
// straight-line alerts (restarts, warm-up, a GC sawtooth, a daily cycle).
//
// Every service's memory is a deterministic function of wall-clock time,
// noise included, so the backfilled history and the live values the
// exporter serves are the same curve: a Prometheus that is backfilled with
// History and then scrapes the exporter sees one continuous series, and the
// verdicts are right the moment Grafana opens.
//
// The series imitate Kubernetes: the memory is
// container_memory_working_set_bytes{namespace, pod, container} (what
// cAdvisor exports) and the limit is
// kube_pod_container_resource_limits{namespace, pod, container,
// resource="memory", unit="byte"} (what kube-state-metrics exports).
package demo

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"time"

	"github.com/memshape/memory-datasource/pkg/shape"
)

// Metric names, as cAdvisor and kube-state-metrics name them.
const (
	MemoryMetric = "container_memory_working_set_bytes"
	LimitMetric  = "kube_pod_container_resource_limits"
)

// Container is the container label of every demo series.
const Container = "app"

// Byte and time units.
const (
	MiB  = 1 << 20
	GiB  = 1 << 30
	hour = 3600.0
	day  = 24 * hour
)

// Service is one demo workload: a pod whose memory follows one story.
type Service struct {
	Namespace, Pod string
	// Want is the shape a careful person names when looking at the last
	// week of this service; Accept lists other right answers (the trap is
	// fragmentation, with bloat accepted, as in the labelled corpus).
	Want   shape.Shape
	Accept []shape.Shape
	// Story says in a few words what the memory does.
	Story string
	// Limit is the container's memory limit in bytes.
	Limit float64
	// noise is the standard deviation of the scrape noise, as a share of
	// the level.
	noise float64
	// curve is the noise-free memory in bytes at Unix time t (seconds).
	curve func(t float64) float64
}

// Correct reports whether got is a right answer for the service.
func (s Service) Correct(got shape.Shape) bool {
	if got == s.Want {
		return true
	}
	for _, a := range s.Accept {
		if a == got {
			return true
		}
	}
	return false
}

// Labels are the memory series' labels (without the scrape's job and
// instance), __name__ included.
func (s Service) Labels() map[string]string {
	return map[string]string{"__name__": MemoryMetric, "namespace": s.Namespace, "pod": s.Pod, "container": Container}
}

// LimitLabels are the limit series' labels, __name__ included.
func (s Service) LimitLabels() map[string]string {
	return map[string]string{
		"__name__": LimitMetric, "namespace": s.Namespace, "pod": s.Pod, "container": Container,
		"resource": "memory", "unit": "byte",
	}
}

// Bytes is the service's memory at t, scrape noise included. The same t
// always gives the same value (to the millisecond).
func (s Service) Bytes(t time.Time) float64 {
	sec := float64(t.UnixMilli()) / 1000
	v := s.curve(sec)
	return v * (1 + s.noise*gauss(s.Pod, t.UnixMilli()))
}

// Services is the demo fleet, in reading order.
func Services() []Service {
	return []Service{
		{
			Namespace: "shop", Pod: "cart-0", Want: shape.Leak,
			Story: "leaks 12 MiB/h until the OOM kill at its 1.2 GiB limit, every ~2.9 days",
			Limit: 1.2 * GiB, noise: 0.004,
			curve: oomLeak(400*MiB, 12*MiB, 1.2*GiB, 3*day),
		},
		{
			Namespace: "shop", Pod: "checkout-0", Want: shape.Leak,
			Story: "leaks 18 MiB/h, hidden by a deploy every night at 02:00",
			Limit: 1 * GiB, noise: 0.004,
			curve: func(t float64) float64 {
				_, age := lifetime(t, day, 2*hour)
				return restarted(age, 300*MiB) + 18*MiB*age/hour
			},
		},
		{
			Namespace: "shop", Pod: "orders-0", Want: shape.Leak,
			Story: "a GC sawtooth whose floor leaks 12 MiB/h; OOM-killed at 1.5 GiB every ~2.8 days",
			Limit: 1.5 * GiB, noise: 0.003,
			curve: func(t float64) float64 {
				return oomLeak(600*MiB, 12*MiB, 1.5*GiB-140*MiB, 11*hour)(t) + sawtooth(t, 140*MiB, 7*60)
			},
		},
		{
			Namespace: "shop", Pod: "sessions-0", Want: shape.Healthy,
			Story: "flat at 512 MiB, restarted every 6 hours",
			Limit: 1 * GiB, noise: 0.005,
			curve: func(t float64) float64 {
				_, age := lifetime(t, 6*hour, 40*60)
				return restarted(age, 512*MiB)
			},
		},
		{
			Namespace: "shop", Pod: "frontend-0", Want: shape.Healthy,
			Story: "follows the daily traffic, ±12 % around 800 MiB",
			Limit: 2 * GiB, noise: 0.004,
			curve: func(t float64) float64 {
				return 800 * MiB * (1 + 0.12*math.Sin(2*math.Pi*(t-14*hour)/day))
			},
		},
		{
			Namespace: "shop", Pod: "auth-0", Want: shape.Healthy,
			Story: "fills its caches for 8 hours after each start (every 4 days), then stays at 380 MiB",
			Limit: 1 * GiB, noise: 0.004,
			curve: func(t float64) float64 {
				_, age := lifetime(t, 4*day, 17*hour)
				return 380 * MiB * (1 - 0.65*math.Exp(-5*age/(8*hour)))
			},
		},
		{
			Namespace: "shop", Pod: "cache-0", Want: shape.Healthy,
			Story: "a garbage collector's 300 MiB sawtooth on a flat 1 GiB floor",
			Limit: 2 * GiB, noise: 0.002,
			curve: func(t float64) float64 {
				return 1*GiB + sawtooth(t, 300*MiB, 7*60+20)
			},
		},
		{
			Namespace: "search", Pod: "indexer-0", Want: shape.Fragmentation,
			Story: "grows ever slower (logarithmically) after each nightly deploy at 01:00",
			Limit: 2 * GiB, noise: 0.003,
			curve: func(t float64) float64 {
				_, age := lifetime(t, day, 1*hour)
				return restarted(age, 700*MiB) + 150*MiB*math.Log1p(age/(1.5*hour))
			},
		},
		{
			Namespace: "search", Pod: "ranker-0", Want: shape.Fragmentation,
			Story: "climbs toward a ceiling 500 MiB above its start, restarted every 2 days",
			Limit: 2.5 * GiB, noise: 0.003,
			curve: func(t float64) float64 {
				_, age := lifetime(t, 2*day, 9*hour)
				return restarted(age, 900*MiB) - 500*MiB*math.Expm1(-age/(10*hour))
			},
		},
		{
			Namespace: "search", Pod: "images-0", Want: shape.Bloat,
			Story: "jumps by 120–280 MiB about once a day and keeps most of it; restarted every 10 days",
			Limit: 3 * GiB, noise: 0.003,
			curve: func(t float64) float64 {
				k, age := lifetime(t, 10*day, 7*hour)
				return restarted(age, 500*MiB) + jumps("images", k, age, 26*hour, 120*MiB, 280*MiB)
			},
		},
		{
			Namespace: "search", Pod: "recommender-0", Want: shape.Fragmentation, Accept: []shape.Shape{shape.Bloat},
			Story: "the trap: bloat jumps on a logarithmic rise that together look like a straight line",
			Limit: 3 * GiB, noise: 0.003,
			curve: func(t float64) float64 {
				k, age := lifetime(t, trapLife, trapPhase)
				return restarted(age, 800*MiB) + 260*MiB*math.Log1p(age/(10*hour)) +
					jumps("recommender", k, age, 14*hour, 60*MiB, 120*MiB)
			},
		},
	}
}

// The trap's process lifetimes: 4 days, the first starting 20 h after the
// Unix epoch.
const trapLife, trapPhase = 4 * day, 20 * hour

// lifetime cuts time into process lifetimes of period seconds, the first
// starting at phase seconds after the Unix epoch, and returns the index of
// the lifetime t falls in and t's age in it.
func lifetime(t, period, phase float64) (k int64, age float64) {
	n := math.Floor((t - phase) / period)
	return int64(n), t - phase - n*period
}

// restarted is a process' baseline level at age: it starts at 40 % of
// level and warms up to it with a 10-minute time constant.
func restarted(age, level float64) float64 {
	return level * (1 - 0.6*math.Exp(-age/600))
}

// oomLeak is a leak of rate bytes per hour from base that is OOM-killed
// when it reaches limit, then starts again: lifetimes of
// (limit−base)/rate hours, the first starting at phase.
func oomLeak(base, rate, limit, phase float64) func(t float64) float64 {
	life := (limit - base) / rate * hour
	return func(t float64) float64 {
		_, age := lifetime(t, life, phase)
		return restarted(age, base) + rate*age/hour
	}
}

// sawtooth is a garbage collector's pattern: memory ramps up by amp over
// period seconds, then drops back at once.
func sawtooth(t, amp, period float64) float64 {
	return amp * (t/period - math.Floor(t/period))
}

// jumps is the bloat of lifetime k at age: about every `every` seconds
// (±25 %) memory rises by a size between lo and hi over 10 minutes, then
// gives back a fifth of it over the next 20 minutes; the rest stays until
// the process restarts. Sizes and times are drawn from a hash of (name, k,
// jump index), so they are the same on every call.
func jumps(name string, k int64, age, every, lo, hi float64) float64 {
	const rise, free, freed = 600.0, 1200.0, 0.2
	total := 0.0
	for i := int64(0); ; i++ {
		at := (float64(i) + 1 + 0.5*(uniform(name, k, i, 0)-0.5)) * every
		if at >= age {
			return total
		}
		size := lo + (hi-lo)*uniform(name, k, i, 1)
		switch d := age - at; {
		case d < rise:
			total += size * d / rise
		case d < rise+free:
			total += size * (1 - freed*(d-rise)/free)
		default:
			total += size * (1 - freed)
		}
	}
}

// uniform is a number in [0, 1) drawn from a hash of its arguments.
func uniform(name string, k, i, j int64) float64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	var b [24]byte
	binary.LittleEndian.PutUint64(b[0:], uint64(k))
	binary.LittleEndian.PutUint64(b[8:], uint64(i))
	binary.LittleEndian.PutUint64(b[16:], uint64(j))
	h.Write(b[:])
	return float64(mix(h.Sum64())>>11) / (1 << 53)
}

// gauss is a standard normal number drawn from a hash of (name, ms).
func gauss(name string, ms int64) float64 {
	u1 := uniform(name, ms, 0, 2)
	u2 := uniform(name, ms, 0, 3)
	if u1 < 1e-300 {
		u1 = 1e-300
	}
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// mix is SplitMix64's finaliser: it spreads FNV's bits.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
