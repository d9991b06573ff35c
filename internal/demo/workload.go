// Package demo is Memory Shape's demo cluster: Kubernetes workloads whose
// memory follows every shape of the seed post — leaks (hidden by frequent
// rollouts, by OOM kills, under a GC sawtooth, or started by one release),
// fragmentation (logarithmic and saturating), bloat, bloat plus
// fragmentation (the trap), and the healthy nuisances that fool
// straight-line alerts (rollouts, restarts, warm-up, autoscaling, a GC
// sawtooth, a daily cycle) — behind the churn of a real cluster: pods
// replaced at every rollout, autoscaled pods that live an hour or four,
// containers restarted in place, each lifetime a series of its own.
//
// Everything is a deterministic function of wall-clock time, noise
// included, so the backfilled history and the live values the exporter
// serves are the same curves: a Prometheus that is backfilled with History
// and then scrapes the exporter sees continuous series, and the verdicts
// are right the moment Grafana opens.
//
// The series are what cAdvisor exports,
// container_memory_working_set_bytes{namespace, pod, container, image,
// name, id, node}, and the limits what kube-state-metrics exports,
// kube_pod_container_resource_limits{namespace, pod, container,
// resource="memory", unit="byte"}.
package demo

import (
	"encoding/binary"
	"hash/fnv"
	"math"
)

// Metric names, as cAdvisor and kube-state-metrics name them.
const (
	MemoryMetric = "container_memory_working_set_bytes"
	LimitMetric  = "kube_pod_container_resource_limits"
)

// Byte and time units.
const (
	MiB  = 1 << 20
	GiB  = 1 << 30
	hour = 3600.0
	day  = 24 * hour
)

// restarted is a process' baseline level at age: it starts at 40 % of
// level and warms up to it with a 10-minute time constant.
func restarted(age, level float64) float64 {
	return level * (1 - 0.6*math.Exp(-age/600))
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
