package workload

import (
	"cmp"
	"slices"
	"strings"

	"github.com/memshape/memory-datasource/pkg/series"
)

// Output labels: every output of a grouped workload carries them (the
// verdict table, alert instances, overlays, annotations).
const (
	NamespaceLabel = "namespace"
	WorkloadLabel  = "workload"
	ContainerLabel = "container"
)

// Workload is a group of series judged together: one Kubernetes workload
// (one container of it), the series that share the labels a query groups
// by, or one series on its own.
type Workload struct {
	// Labels identify the workload in every output: what its series share
	// beyond their lifetimes (metric name, job, …) and, for a Kubernetes
	// workload, namespace, workload and container. An upstream label of
	// one of those names with another value is never overwritten: the
	// workload's goes to memshape_<name>.
	Labels                     map[string]string
	Namespace, Name, Container string
	Kind                       Kind
	// Members are the series, in order of their first samples.
	Members []Member
	// Rollouts are the generations after the first: new ReplicaSets,
	// images, or waves of restarts.
	Rollouts []Rollout
}

// Grouped reports whether the workload pools several series, or was
// grouped by its labels (a workload of one pod is still a workload).
func (w Workload) Grouped() bool { return w.Kind != Single }

// Member is one series of a workload: one lifetime of one pod or
// container (a series may hold restarts of its own, found by the
// classifier).
type Member struct {
	Series int    // index of the series in what Group was given
	Pod    string // the pod, "" when the series has none
	// Generation is the rollout the series belongs to: 0 for the first
	// seen, then one up at each Rollout.
	Generation int
	// Restarted: a series of a pod seen before (cAdvisor's series of a
	// restarted container).
	Restarted bool
	// Template and Image are what a rollout changes: a Deployment pod's
	// ReplicaSet hash, a CronJob's run, the image label.
	Template, Image string
	First, Last     int64 // first and last sample, Unix ms
	Step            int64 // the series' shortest spacing of samples, ms
}

// Rollout is the start of a generation: pods that replaced others at
// once.
type Rollout struct {
	Generation int
	At         int64  // the first sample of its first series, Unix ms
	Template   string // the new ReplicaSet hash (Deployment) or job run (CronJob)
	Image      string // the image, when the series carry one
	Cause      string // "new ReplicaSet", "new image", "restart wave"
	Series     int    // series that began with it
}

// Kubernetes label schemas: Prometheus (cAdvisor, kube-state-metrics)
// and Datadog's Agent tags.
var schemas = []struct{ pod, namespace, container string }{
	{"pod", "namespace", "container"},
	{"pod_name", "kube_namespace", "kube_container_name"},
}

// LifetimeLabels tell lifetimes apart, or where a lifetime ran: a
// workload's identity leaves them out. (pod and its copies, container and
// pod ids, the runtime's container name, instance — a pod's IP or its
// node's kubelet — nodes, images, and the owner labels of one ReplicaSet.)
var LifetimeLabels = []string{
	"pod", "pod_name", "pod_uid", "uid", "id", "container_id", "name", "container_name", "display_container_name",
	"instance", "pod_ip", "ip", "node", "host", "hostname", "kube_node", "kubernetes_io_hostname",
	"image", "image_id", "image_name", "image_tag", "short_image", "docker_image",
	"pod_template_hash", "controller_revision_hash", "statefulset_kubernetes_io_pod_name", "apps_kubernetes_io_pod_index",
	"kube_replica_set", "kube_ownerref_name", "kube_ownerref_kind", "owner_name", "owner_kind", "owner_is_controller",
	"created_by_name", "created_by_kind",
}

// NamingLabels say what a Kubernetes workload's name already says — its
// namespace, its controller, its container — so a legend that names the
// workload leaves them out.
var NamingLabels = map[string]bool{
	NamespaceLabel: true, WorkloadLabel: true, ContainerLabel: true, "workload_type": true,
	"kube_namespace": true, "kube_container_name": true,
	"kube_deployment": true, "kube_stateful_set": true, "kube_daemon_set": true, "kube_job": true, "kube_cronjob": true,
	"memshape_namespace": true, "memshape_workload": true, "memshape_container": true,
}

var lifetimeLabel = func() map[string]bool {
	m := map[string]bool{}
	for _, l := range LifetimeLabels {
		m[l] = true
	}
	return m
}()

// Group sorts series into workloads by. Workloads come in the order of
// their first series; a workload's members in order of their first
// samples. Notes say what a user should know (grouping asked for but not
// possible).
func Group(ss []series.Series, by By) (ws []Workload, notes []string) {
	g := NewGrouper(by, len(ss))
	for si, s := range ss {
		g.Add(si, s)
	}
	return g.Done()
}

// Grouper is Group one series at a time, for series that arrive one by
// one (a streamed answer): Add them in order of their index, then Done
// gives what Group gives.
type Grouper struct {
	by       By
	index    map[string]int
	ws       []Workload
	unpodded int
	parts    []string
	key      []byte      // the key of the series being added
	pairs    [][2]string // its identity's labels, while its key is made
	// The span of the latest time column measured: series decoded on
	// one grid share their column, so a fleet's is read once.
	spanOf                        []int64
	spanFirst, spanLast, spanStep int64
}

// NewGrouper starts a grouping; n is about how many series it will get.
func NewGrouper(by By, n int) *Grouper {
	return &Grouper{by: by, index: make(map[string]int, n)}
}

// Add files series si (s), the next after those added before, and
// returns the place of its workload among the workloads so far (the
// order of their first series).
func (g *Grouper) Add(si int, s series.Series) int {
	first, last, step := g.span(s.T)
	m := Member{Series: si, First: first, Last: last, Step: step, Image: imageOf(s.Labels)}
	switch {
	case g.by.Mode == BySeries:
		g.setKey(0, s.Labels)
		return g.add(func() Workload { return Workload{Labels: s.Labels, Kind: Single, Name: s.Name()} }, m)
	case g.by.Mode == ByLabels:
		labels := map[string]string{}
		g.parts = g.parts[:0]
		for _, l := range g.by.Labels {
			if v, ok := s.Labels[l]; ok {
				labels[l] = v
			}
			g.parts = append(g.parts, s.Labels[l])
		}
		m.Pod = s.Labels["pod"]
		name := strings.Join(g.parts, "/")
		g.setKey(1, labels)
		return g.add(func() Workload { return Workload{Labels: labels, Kind: Labelled, Name: name} }, m)
	default:
		w, pod, tmpl, ok := kubernetes(s.Labels, g.by.Mode == ByWorkload)
		if !ok {
			g.unpodded++
			g.setKey(0, s.Labels)
			return g.add(func() Workload { return Workload{Labels: s.Labels, Kind: Single, Name: s.Name()} }, m)
		}
		m.Pod, m.Template = pod, tmpl
		// Every series of a workload after its first needs only the key
		// of its identity: the labels are made once, for the first.
		g.key, g.pairs = identityKey(append(g.key[:0], 2), s.Labels, w, g.pairs[:0])
		return g.add(func() Workload { w.Labels = identity(s.Labels, w); return w }, m)
	}
}

// setKey makes g.key that of a workload of the given kind of grouping
// (0 a series alone, 1 by labels, 2 a Kubernetes workload, whose key
// identityKey makes) with these labels.
func (g *Grouper) setKey(kind byte, labels map[string]string) {
	g.key = append(append(g.key[:0], kind), series.Key(labels)...)
}

// add files m under the workload of key g.key, made by w when it is the
// first of its workload.
func (g *Grouper) add(w func() Workload, m Member) int {
	i, ok := g.index[string(g.key)] // no copy of the key made to look it up
	if !ok {
		i = len(g.ws)
		g.index[string(g.key)] = i
		g.ws = append(g.ws, w())
	}
	g.ws[i].Members = append(g.ws[i].Members, m)
	return i
}

// Settled is workload i as Done would give it if no other series of it
// came: its members in order, their generations and restarts, its
// rollouts. ok is false for series with the same labels, which Done
// makes workloads of their own.
func (g *Grouper) Settled(i int) (w Workload, ok bool) {
	w = g.ws[i]
	w.Members = slices.Clone(w.Members)
	if !w.settle() {
		return Workload{}, false
	}
	return w, true
}

// Done ends the grouping: the workloads of every series added, and the
// notes, as Group gives them.
func (g *Grouper) Done() (ws []Workload, notes []string) {
	if g.by.Mode == ByWorkload && g.unpodded > 0 {
		notes = append(notes, "Judge by workload: "+plural(g.unpodded, "series has", "series have")+" no pod label (pod, or Datadog's pod_name) and "+
			map[bool]string{true: "is", false: "are"}[g.unpodded == 1]+" judged on its own; group them by their own labels instead, e.g. groupBy [\"job\", \"service\"].")
	}
	for i := range g.ws {
		g.ws[i].settle()
	}
	return splitSingles(g.ws), notes
}

// settle puts a workload's members in order of their first samples and
// numbers their generations and restarts; false for a Single workload
// of several series (the same labels), left for splitSingles.
func (w *Workload) settle() bool {
	slices.SortStableFunc(w.Members, func(a, b Member) int {
		if c := cmp.Compare(a.First, b.First); c != 0 {
			return c
		}
		return cmp.Compare(a.Pod, b.Pod)
	})
	if w.Kind == Single && len(w.Members) > 1 {
		// Series with the same labels (possible from Datadog or
		// label_replace): each is judged on its own.
		return false
	}
	w.Rollouts = generations(w.Members)
	if len(w.Members) == 1 {
		w.Members[0].Restarted = false
		return true
	}
	seen := map[string]bool{}
	for k := range w.Members {
		p := w.Members[k].Pod
		w.Members[k].Restarted = p != "" && seen[p]
		seen[p] = true
	}
	return true
}

// splitSingles makes each series of a Single workload with several (equal
// label sets) a workload of its own.
func splitSingles(ws []Workload) []Workload {
	out := ws[:0:0]
	for _, w := range ws {
		if w.Kind != Single || len(w.Members) == 1 {
			out = append(out, w)
			continue
		}
		for _, m := range w.Members {
			one := w
			one.Members = []Member{m}
			out = append(out, one)
		}
	}
	return out
}

// kubernetes reads a Kubernetes series' workload: the namespace, the
// workload (from owner labels, else from the pod's name) and the
// container; not its labels (identity). ok is false without a pod label —
// or, unless anyNamespace, without a namespace beside it: a label named
// pod alone may mean something else.
func kubernetes(labels map[string]string, anyNamespace bool) (w Workload, pod, template string, ok bool) {
	for _, sc := range schemas {
		pod = labels[sc.pod]
		if pod == "" || (!anyNamespace && labels[sc.namespace] == "") {
			continue
		}
		w.Namespace = labels[sc.namespace]
		w.Container = labels[sc.container]
		if w.Container == "" && sc.pod == "pod_name" {
			w.Container = labels["container_name"]
		}
		pn := ParsePod(pod)
		w.Name, w.Kind, template = pn.Workload, pn.Kind, pn.Template
		if name, kind, found := owner(labels); found {
			w.Name = name
			if kind != Pod || w.Kind == Pod {
				w.Kind = kind
			}
		}
		return w, pod, template, true
	}
	return Workload{}, "", "", false
}

// identity is a Kubernetes series' labels without those of its lifetime,
// plus namespace, workload and container.
func identity(labels map[string]string, w Workload) map[string]string {
	pairs := identityPairs(labels, w, nil)
	id := make(map[string]string, len(pairs))
	for _, p := range pairs {
		id[p[0]] = p[1]
	}
	return id
}

// identityKey appends series.Key(identity(labels, w)) to dst without
// making the map, which only a workload's first series needs; pairs is
// scratch, given back for the next call.
func identityKey(dst []byte, labels map[string]string, w Workload, pairs [][2]string) ([]byte, [][2]string) {
	pairs = identityPairs(labels, w, pairs)
	return series.AppendKey(dst, pairs), pairs
}

// identityPairs appends identity's labels to pairs, in name order:
// those of the series but its lifetime's, and namespace, workload and
// container, each under memshape_<name> when the series keeps that
// name with another value.
func identityPairs(labels map[string]string, w Workload, pairs [][2]string) [][2]string {
	set := [...][2]string{{NamespaceLabel, w.Namespace}, {WorkloadLabel, w.Name}, {ContainerLabel, w.Container}}
	over := set[:0]
	for _, s := range set {
		if s[1] == "" {
			continue
		}
		if have, taken := labels[s[0]]; taken && !lifetimeLabel[s[0]] && have != s[1] {
			s[0] = "memshape_" + s[0]
		}
		over = append(over, s)
	}
	for k, v := range labels {
		if !lifetimeLabel[k] && !slices.ContainsFunc(over, func(s [2]string) bool { return s[0] == k }) {
			pairs = append(pairs, [2]string{k, v})
		}
	}
	pairs = append(pairs, over...)
	slices.SortFunc(pairs, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return pairs
}

// span is span(t), measured again only for another time column than
// the latest's.
func (g *Grouper) span(t []int64) (first, last, step int64) {
	if len(t) == 0 || !series.SameMemory(t, g.spanOf) {
		g.spanOf = t
		g.spanFirst, g.spanLast, g.spanStep = span(t)
	}
	return g.spanFirst, g.spanLast, g.spanStep
}

// span is a series' first and last sample time, and the shortest
// spacing among its first samples (its step).
func span(t []int64) (first, last, step int64) {
	if len(t) == 0 {
		return 0, 0, 0
	}
	// Branch-free over every time: times may come unsorted.
	first, last = t[0], t[0]
	for _, x := range t[1:] {
		first, last = min(first, x), max(last, x)
	}
	for i := 1; i < len(t) && i <= 16; i++ {
		if d := t[i] - t[i-1]; d > 0 && (step == 0 || d < step) {
			step = d
		}
	}
	return first, last, step
}

// imageOf is a series' image: cAdvisor's image label, or Datadog's
// docker_image, or its short_image and image_tag.
func imageOf(labels map[string]string) string {
	if v := labels["image"]; v != "" {
		return v
	}
	if v := labels["docker_image"]; v != "" {
		return v
	}
	if v := labels["short_image"]; v != "" {
		if tag := labels["image_tag"]; tag != "" {
			return v + ":" + tag
		}
		return v
	}
	return ""
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}
