package demo

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/shape"
	"github.com/memshape/memory-datasource/pkg/workload"
)

// Workload is one Kubernetes workload of the demo cluster: a Deployment,
// StatefulSet or DaemonSet whose pods come and go as on a real cluster.
// Every container lifetime is its own series, labelled as cAdvisor
// labels it (a new pod name at each Deployment rollout, a new container id
// at each restart), and its memory follows the workload's story from the
// container's start.
//
// Everything is a deterministic function of wall-clock time, anchored at
// the Unix epoch: the pods alive at a moment, their names, ids and memory
// are the same whichever window is asked for, so a backfilled history and
// the live exporter agree.
type Workload struct {
	Namespace, Name string
	Kind            workload.Kind // Deployment, StatefulSet or DaemonSet
	// Replicas side by side: a Deployment's pods, a StatefulSet's
	// ordinals, a DaemonSet's nodes.
	Replicas int
	// Want is the shape a careful person names from the workload's last
	// week; Accept lists other right answers.
	Want   shape.Shape
	Accept []shape.Shape
	Story  string
	Limit  float64 // each container's memory limit, bytes
	noise  float64 // scrape noise, a share of the level

	// Rollouts replace every pod (a Deployment's new ReplicaSet, a
	// DaemonSet's new pods) every rollout, the first at rolloutPhase
	// after the epoch; 0: never.
	rollout, rolloutPhase time.Duration
	// Restart waves restart every container in place (a StatefulSet's
	// rolling restart: same pod name, new pod uid and container id) every
	// restart, the first at restartPhase; 0: never.
	restart, restartPhase time.Duration
	// oom: each container is OOM-killed this long after it starts and
	// restarted in the same pod (a new cAdvisor series); 0: never.
	oom time.Duration
	// autoscale: pods live between life[0] and life[1] and are replaced
	// one at a time; the number alive follows the day between min and
	// Replicas.
	autoscale *autoscale
	// imageAt is the image a pod started at t runs; nil: one image.
	imageAt func(t time.Time) string
	// memory is the noise-free memory of container c at age seconds into
	// its lifetime, at Unix time t seconds.
	memory func(c Container, age, t float64) float64
}

type autoscale struct {
	min  int
	life [2]time.Duration
}

// Container is one container lifetime: one series.
type Container struct {
	Pod, PodUID, ID, Node, Image string
	Start, End                   time.Time // alive in [Start, End)
	Generation                   int64     // the rollout (or restart wave) it belongs to
	Lineage                      int       // ordinal, node or slot
	Restarts                     int       // restarts of this container in its pod before it
}

// Container is the container name of every demo series.
const containerName = "app"

// Correct reports whether got is a right answer for the workload.
func (w Workload) Correct(got shape.Shape) bool {
	if got == w.Want {
		return true
	}
	for _, a := range w.Accept {
		if a == got {
			return true
		}
	}
	return false
}

// Containers lists the container lifetimes alive at some moment in
// [from, to), in order of their start.
func (w Workload) Containers(from, to time.Time) []Container {
	var out []Container
	for _, p := range w.pods(from, to) {
		out = append(out, w.containers(p, from, to)...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].Pod < out[j].Pod
	})
	return out
}

// pod is one pod lifetime (containers restart inside it).
type pod struct {
	name, uid, node string
	start, end      time.Time
	gen             int64
	lineage         int
}

var epoch = time.Unix(0, 0).UTC()

// period k of length p starting at phase: [phase + k·p, phase + (k+1)·p).
func periods(from, to time.Time, p, phase time.Duration) (int64, int64) {
	lo := int64(math.Floor(float64(from.Sub(epoch)-phase) / float64(p)))
	hi := int64(math.Floor(float64(to.Sub(epoch)-phase) / float64(p)))
	return lo, hi
}

func periodStart(k int64, p, phase time.Duration) time.Time {
	return epoch.Add(phase + time.Duration(k)*p)
}

// forever stands for "no rollout in sight": a pod alive throughout.
var forever = 100 * 365 * 24 * time.Hour

func (w Workload) pods(from, to time.Time) []pod {
	var out []pod
	keep := func(p pod) {
		if p.start.Before(to) && p.end.After(from) {
			out = append(out, p)
		}
	}
	switch w.Kind {
	case workload.StatefulSet:
		lo, hi := int64(0), int64(0)
		if w.restart > 0 {
			lo, hi = periods(from, to, w.restart, w.restartPhase)
			lo--
		}
		for k := lo; k <= hi; k++ {
			for i := 0; i < w.Replicas; i++ {
				// Rolling restart: the highest ordinal first, a minute apart.
				lag := time.Duration(w.Replicas-1-i) * time.Minute
				start, end := epoch.Add(-forever), epoch.Add(forever)
				if w.restart > 0 {
					start, end = periodStart(k, w.restart, w.restartPhase).Add(lag), periodStart(k+1, w.restart, w.restartPhase).Add(lag)
				}
				keep(pod{name: fmt.Sprintf("%s-%d", w.Name, i), uid: uid(w.Name, k, int64(i)), node: node(w.Name, k, i),
					start: start, end: end, gen: k, lineage: i})
			}
		}
	case workload.DaemonSet:
		lo, hi := int64(0), int64(0)
		if w.rollout > 0 {
			lo, hi = periods(from, to, w.rollout, w.rolloutPhase)
			lo--
		}
		for k := lo; k <= hi; k++ {
			for i := 0; i < w.Replicas; i++ {
				lag := time.Duration(i) * 40 * time.Second
				start, end := epoch.Add(-forever), epoch.Add(forever)
				if w.rollout > 0 {
					start, end = periodStart(k, w.rollout, w.rolloutPhase).Add(lag), periodStart(k+1, w.rollout, w.rolloutPhase).Add(lag)
				}
				keep(pod{name: w.Name + "-" + safeName(5, w.Name, k, int64(i), 1), uid: uid(w.Name, k, int64(i)),
					node: fmt.Sprintf("node-%d", i), start: start, end: end, gen: k, lineage: i})
			}
		}
	default: // Deployment
		lo, hi := int64(0), int64(0)
		if w.rollout > 0 {
			lo, hi = periods(from, to, w.rollout, w.rolloutPhase)
			lo--
		}
		for k := lo; k <= hi; k++ {
			g0, g1 := epoch.Add(-forever), epoch.Add(forever)
			if w.rollout > 0 {
				g0, g1 = periodStart(k, w.rollout, w.rolloutPhase), periodStart(k+1, w.rollout, w.rolloutPhase)
			}
			hash := safeName(10, w.Name, k, 0, 2)
			if w.autoscale != nil {
				for _, p := range w.autoscaled(k, hash, g0, g1, from, to) {
					keep(p)
				}
				continue
			}
			for i := 0; i < w.Replicas; i++ {
				// A rolling update: each new pod 40 s after the last; an old
				// pod ends 30 s after its replacement is up.
				lag := time.Duration(i) * 40 * time.Second
				keep(pod{name: w.Name + "-" + hash + "-" + safeName(5, w.Name, k, int64(i), 3), uid: uid(w.Name, k, int64(i)),
					node: node(w.Name, k, i), start: g0.Add(lag), end: g1.Add(lag + 30*time.Second), gen: k, lineage: i})
			}
		}
	}
	return out
}

// autoscaled lays out generation k's pods of an autoscaled Deployment in
// [g0, g1): slot i runs pods one after another, each living between the
// two bounds, while the day's load wants i+1 replicas or more; at the
// rollout every pod is replaced.
func (w Workload) autoscaled(k int64, hash string, g0, g1, from, to time.Time) []pod {
	a := w.autoscale
	var out []pod
	lo, hi := g0, g1
	if lo.Before(from.Add(-48 * time.Hour)) {
		lo = from.Add(-48 * time.Hour).Truncate(24 * time.Hour)
	}
	if hi.After(to.Add(24 * time.Hour)) {
		hi = to.Add(24 * time.Hour)
	}
	for i := 0; i < w.Replicas; i++ {
		t := lo
		for seq := int64(0); t.Before(hi); seq++ {
			key := t.Unix()
			life := a.life[0] + time.Duration(uniform(w.Name, key, int64(i), 4)*float64(a.life[1]-a.life[0]))
			if i >= w.wanted(t) {
				t = t.Add(30 * time.Minute).Truncate(30 * time.Minute)
				continue
			}
			end := t.Add(life)
			if end.After(g1) {
				end = g1
			}
			out = append(out, pod{name: w.Name + "-" + hash + "-" + safeName(5, w.Name, key, int64(i), 5), uid: uid(w.Name, key, int64(i)),
				node: node(w.Name, key, i), start: t, end: end, gen: k, lineage: i})
			t = end
		}
	}
	return out
}

// wanted is how many replicas the autoscaler runs at t: min at night,
// Replicas in the afternoon.
func (w Workload) wanted(t time.Time) int {
	h := float64(t.Unix()%86400) / 3600
	load := 0.5 - 0.5*math.Cos(2*math.Pi*(h-3)/24) // 0 at 03:00, 1 at 15:00
	return w.autoscale.min + int(math.Round(load*float64(w.Replicas-w.autoscale.min)))
}

// containers cuts a pod into container lifetimes at OOM kills.
func (w Workload) containers(p pod, from, to time.Time) []Container {
	img := w.imageOf(p.start)
	mk := func(start, end time.Time, r int) Container {
		return Container{Pod: p.name, PodUID: p.uid, ID: containerID(p.uid, start, r), Node: p.node, Image: img,
			Start: start, End: end, Generation: p.gen, Lineage: p.lineage, Restarts: r}
	}
	if w.oom <= 0 {
		return []Container{mk(p.start, p.end, 0)}
	}
	var out []Container
	// A pod alive since before the window restarted every oom: count the
	// restarts from a fixed point so the same container has the same id.
	start := p.start
	r := 0
	if start.Before(from.Add(-w.oom)) {
		n := int(from.Sub(start) / w.oom)
		start = start.Add(time.Duration(n-1) * w.oom)
		r = n - 1
	}
	for ; start.Before(p.end) && start.Before(to); r++ {
		end := start.Add(w.oom)
		if end.After(p.end) {
			end = p.end
		}
		if end.After(from) {
			out = append(out, mk(start, end, r))
		}
		start = end
	}
	return out
}

func (w Workload) imageOf(start time.Time) string {
	if w.imageAt == nil {
		return "registry.example/" + w.Namespace + "/" + w.Name + ":1.0.0"
	}
	return w.imageAt(start)
}

// Bytes is container c's memory at t, scrape noise included.
func (w Workload) Bytes(c Container, t time.Time) float64 {
	sec := float64(t.UnixMilli()) / 1000
	age := t.Sub(c.Start).Seconds()
	v := w.memory(c, age, sec)
	return v * (1 + w.noise*gauss(c.ID, t.UnixMilli()))
}

// Labels are a container's series labels as cAdvisor gives them (without
// the scrape's job and instance): namespace, pod, container, image, the
// runtime's name and the cgroup id.
func (w Workload) Labels(c Container) map[string]string {
	return map[string]string{
		"__name__":  MemoryMetric,
		"namespace": w.Namespace, "pod": c.Pod, "container": containerName, "image": c.Image,
		"name": fmt.Sprintf("k8s_%s_%s_%s_%s_%d", containerName, c.Pod, w.Namespace, c.PodUID, c.Restarts),
		"id":   "/kubepods/burstable/pod" + c.PodUID + "/" + c.ID,
		"node": c.Node,
	}
}

// LimitLabels are the labels of the pod's memory limit series, as
// kube-state-metrics gives them.
func (w Workload) LimitLabels(podName string) map[string]string {
	return map[string]string{
		"__name__": LimitMetric, "namespace": w.Namespace, "pod": podName, "container": containerName,
		"resource": "memory", "unit": "byte",
	}
}

// Series is the workload's memory over [from, to) at step, one series per
// container lifetime, samples at multiples of step (as Prometheus' range
// queries align them), plus extra labels.
func (w Workload) Series(from, to time.Time, step time.Duration, extra map[string]string) []series.Series {
	var out []series.Series
	for _, c := range w.Containers(from, to) {
		s := series.Series{Labels: withExtra(w.Labels(c), extra)}
		first := from
		if c.Start.After(first) {
			first = c.Start
		}
		t0 := first.Truncate(step)
		if t0.Before(first) {
			t0 = t0.Add(step)
		}
		for t := t0; t.Before(to) && t.Before(c.End); t = t.Add(step) {
			s.T = append(s.T, t.UnixMilli())
			s.V = append(s.V, w.Bytes(c, t))
		}
		if len(s.T) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// LimitSeries is the memory limit of every pod alive in [from, to), over
// the time it lived, as kube-state-metrics exports it.
func (w Workload) LimitSeries(from, to time.Time, step time.Duration, extra map[string]string) []series.Series {
	type life struct{ start, end time.Time }
	pods := map[string]*life{}
	var order []string
	for _, c := range w.Containers(from, to) {
		if p, ok := pods[c.Pod]; ok && !c.Start.After(p.end) {
			p.end = c.End
			continue
		}
		if _, ok := pods[c.Pod]; !ok {
			order = append(order, c.Pod)
		}
		pods[c.Pod] = &life{c.Start, c.End}
	}
	var out []series.Series
	for _, name := range order {
		p := pods[name]
		s := series.Series{Labels: withExtra(w.LimitLabels(name), extra)}
		for t := from.Truncate(step); t.Before(to) && t.Before(p.end); t = t.Add(step) {
			if !t.Before(from) && !t.Before(p.start) {
				s.T = append(s.T, t.UnixMilli())
				s.V = append(s.V, w.Limit)
			}
		}
		if len(s.T) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// safeName is n characters of Kubernetes' generated-name alphabet drawn
// from a hash of its arguments.
func safeName(n int, name string, k, i, j int64) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	b := make([]byte, n)
	for q := range b {
		b[q] = alphabet[int(uniform(name, k, i, j*16+int64(q))*float64(len(alphabet)))]
	}
	return string(b)
}

func uid(name string, k, i int64) string {
	h := func(j int64) uint64 { return uint64(uniform(name, k, i, 100+j) * (1 << 53)) }
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", h(0)&0xffffffff, h(1)&0xffff, h(2)&0xffff, h(3)&0xffff, h(4)&0xffffffffffff)
}

func containerID(podUID string, start time.Time, r int) string {
	var s string
	for j := int64(0); len(s) < 64; j++ {
		s += fmt.Sprintf("%013x", uint64(uniform(podUID, start.Unix(), int64(r), 200+j)*(1<<52)))
	}
	return s[:64]
}

func node(name string, k int64, i int) string {
	return fmt.Sprintf("node-%d", int(uniform(name, k, int64(i), 300)*4))
}
