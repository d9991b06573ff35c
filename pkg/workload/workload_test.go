package workload

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/pkg/series"
)

func TestParsePod(t *testing.T) {
	for _, c := range []struct {
		pod      string
		workload string
		kind     Kind
		template string
		ordinal  int
	}{
		// Deployment: <name>-<ReplicaSet hash>-<5>, both in the safe alphabet.
		{"cart-7d9f8b6c5d-x2kq4", "cart", Deployment, "7d9f8b6c5d", -1},
		{"api-v2-5c9d7b7f4-8kq2m", "api-v2", Deployment, "5c9d7b7f4", -1},
		{"checkout-6bd4f9c7df-42567", "checkout", Deployment, "6bd4f9c7df", -1}, // an all-digit suffix
		{"web-server-85kfkl8zrf-zbxmj", "web-server", Deployment, "85kfkl8zrf", -1},
		// CronJob: <cronjob>-<scheduled minute>-<5>.
		{"backup-29400060-x7k2p", "backup", CronJob, "29400060", -1},
		// DaemonSet or Job: <name>-<5>.
		{"node-agent-x7k2p", "node-agent", DaemonSetOrJob, "", -1},
		{"fluentd-bc5dq", "fluentd", DaemonSetOrJob, "", -1},
		// StatefulSet: <name>-<ordinal>.
		{"cache-0", "cache", StatefulSet, "", 0},
		{"kafka-broker-12", "kafka-broker", StatefulSet, "", 12},
		{"db-10301", "db", StatefulSet, "", 10301}, // five digits a suffix could not be (0, 1, 3)
		// Names that only look generated are names.
		{"api-v2-backend", "api-v2-backend", Pod, "", -1},             // vowels
		{"kube-apiserver-node1", "kube-apiserver-node1", Pod, "", -1}, // a static pod: <name>-<node>
		{"web-07", "web-07", Pod, "", -1},                             // a leading zero is no ordinal
		{"batch-abcde", "batch-abcde", Pod, "", -1},                   // vowels in the "suffix"
		{"solo", "solo", Pod, "", -1},
		{"trailing-", "trailing-", Pod, "", -1},
		{"-x7k2p", "-x7k2p", Pod, "", -1},
		{"proxy-bcd-x7k2p", "proxy-bcd", DaemonSetOrJob, "", -1}, // a 3-character middle is no hash
	} {
		got := ParsePod(c.pod)
		if got.Workload != c.workload || got.Kind != c.kind || got.Template != c.template || got.Ordinal != c.ordinal {
			t.Errorf("ParsePod(%q) = %+v, want %s %s %q ordinal %d", c.pod, got, c.workload, c.kind, c.template, c.ordinal)
		}
	}
}

func cadvisor(pod, container, id string, extra ...string) map[string]string {
	l := map[string]string{"__name__": "container_memory_working_set_bytes", "namespace": "shop", "pod": pod,
		"container": container, "id": "/kubepods/burstable/pod" + id, "name": "k8s_" + container + "_" + pod, "image": "shop/" + container + ":1",
		"instance": "10.0.0.7:10250", "node": "node-1", "job": "kubelet"}
	for i := 0; i+1 < len(extra); i += 2 {
		l[extra[i]] = extra[i+1]
	}
	return l
}

func ser(labels map[string]string, from, to time.Duration) series.Series {
	s := series.Series{Labels: labels}
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for d := from; d <= to; d += 5 * time.Minute {
		s.T = append(s.T, t0.Add(d).UnixMilli())
		s.V = append(s.V, 1e8)
	}
	return s
}

// The owner labels, when the query has them, name the workload exactly;
// the pod's name is the fallback.
func TestOwnerLabelsWin(t *testing.T) {
	for _, c := range []struct {
		labels   map[string]string
		workload string
		kind     Kind
	}{
		{cadvisor("api-v2-backend", "app", "1", "workload", "api", "workload_type", "deployment"), "api", Deployment},
		{cadvisor("cart-7d9f8b6c5d-x2kq4", "app", "1", "owner_kind", "ReplicaSet", "owner_name", "shopping-cart-7d9f8b6c5d"), "shopping-cart", Deployment},
		{cadvisor("x-0", "app", "1", "owner_kind", "StatefulSet", "owner_name", "ledger"), "ledger", StatefulSet},
		{map[string]string{"pod_name": "agent-x7k2p", "kube_namespace": "infra", "kube_container_name": "agent", "kube_daemon_set": "agent"}, "agent", DaemonSet},
		{map[string]string{"pod_name": "cart-7d9f8b6c5d-x2kq4", "kube_namespace": "shop", "kube_replica_set": "cart-7d9f8b6c5d"}, "cart", Deployment},
	} {
		ws, _ := Group([]series.Series{ser(c.labels, 0, time.Hour)}, By{Mode: Auto})
		if len(ws) != 1 || ws[0].Name != c.workload || ws[0].Kind != c.kind {
			t.Errorf("%v: %+v, want %s %s", c.labels, ws, c.workload, c.kind)
		}
	}
}

// A Deployment rolled twice, with a replica restarted in place: one
// workload, whose identity drops what tells lifetimes apart, three
// generations, one container restart.
func TestGroupAWorkloadAcrossRollouts(t *testing.T) {
	h := time.Hour
	ss := []series.Series{
		ser(cadvisor("cart-7d9f8b6c5d-bcdfg", "app", "u1/c1"), 0, 8*h),
		ser(cadvisor("cart-7d9f8b6c5d-hjklm", "app", "u2/c2"), 0, 3*h),
		ser(cadvisor("cart-7d9f8b6c5d-hjklm", "app", "u2/c3"), 3*h+5*time.Minute, 8*h), // restarted: a new container id
		ser(cadvisor("cart-59cdbf84b6-npqrs", "app", "u4/c4", "image", "shop/app:2"), 8*h, 16*h),
		ser(cadvisor("cart-59cdbf84b6-tvwxz", "app", "u5/c5", "image", "shop/app:2"), 8*h, 16*h),
		ser(cadvisor("cart-66f4c9d7b5-24567", "app", "u6/c6", "image", "shop/app:3"), 16*h, 20*h),
		ser(cadvisor("cart-66f4c9d7b5-89bcd", "app", "u7/c7", "image", "shop/app:3"), 16*h, 20*h),
		ser(cadvisor("cart-66f4c9d7b5-89bcd", "sidecar", "u7/c8"), 16*h, 20*h), // another container: another workload
		ser(map[string]string{"__name__": "container_memory_working_set_bytes", "id": "/system.slice"}, 0, 20*h),
	}
	ws, notes := Group(ss, By{Mode: Auto})
	if len(notes) != 0 {
		t.Errorf("notes %v", notes)
	}
	if len(ws) != 3 {
		t.Fatalf("%d workloads, want cart/app, cart/sidecar and the series without a pod: %+v", len(ws), ws)
	}
	w := ws[0]
	want := map[string]string{"__name__": "container_memory_working_set_bytes", "namespace": "shop", "workload": "cart", "container": "app", "job": "kubelet"}
	if w.Name != "cart" || w.Kind != Deployment || len(w.Members) != 7 || !equal(w.Labels, want) {
		t.Fatalf("workload %s %s, %d members, labels %v", w.Name, w.Kind, len(w.Members), w.Labels)
	}
	if len(w.Rollouts) != 2 || w.Rollouts[0].Template != "59cdbf84b6" || w.Rollouts[0].Image != "shop/app:2" || w.Rollouts[0].Cause != "new ReplicaSet" {
		t.Errorf("rollouts %+v", w.Rollouts)
	}
	if w.RolloutName(w.Rollouts[0]) != "cart-59cdbf84b6, image shop/app:2" {
		t.Errorf("rollout named %q", w.RolloutName(w.Rollouts[0]))
	}
	restarted, gens := 0, map[int]int{}
	for _, m := range w.Members {
		gens[m.Generation]++
		if m.Restarted {
			restarted++
			if m.Pod != "cart-7d9f8b6c5d-hjklm" {
				t.Errorf("%s marked restarted", m.Pod)
			}
		}
	}
	if restarted != 1 || gens[0] != 3 || gens[1] != 2 || gens[2] != 2 {
		t.Errorf("restarted %d, generations %v", restarted, gens)
	}
	if ws[2].Kind != Single || ws[2].Grouped() {
		t.Errorf("a series without a pod label is judged on its own: %+v", ws[2])
	}
}

// A StatefulSet restarted in place keeps its pod names: the restarts are
// a wave (half the replicas or more within minutes, as many ending); a
// scale-up replaces nothing.
func TestRestartWavesAndScaleUps(t *testing.T) {
	h := time.Hour
	m := 5 * time.Minute
	ss := []series.Series{
		ser(cadvisor("db-0", "db", "a"), 0, 6*h), ser(cadvisor("db-1", "db", "b"), 0, 6*h-m), ser(cadvisor("db-2", "db", "c"), 0, 6*h-2*m),
		ser(cadvisor("db-2", "db", "d"), 6*h-m, 12*h), ser(cadvisor("db-1", "db", "e"), 6*h, 12*h), ser(cadvisor("db-0", "db", "f"), 6*h+m, 12*h),
	}
	ws, _ := Group(ss, By{Mode: Auto})
	if len(ws) != 1 || len(ws[0].Rollouts) != 1 || ws[0].Rollouts[0].Cause != "restart wave" || ws[0].Rollouts[0].Series != 3 {
		t.Fatalf("%+v", ws)
	}
	ss = []series.Series{
		ser(cadvisor("worker-85kfkl8zrf-bcdfg", "w", "a"), 0, 12*h),
		ser(cadvisor("worker-85kfkl8zrf-hjklm", "w", "b"), 6*h, 12*h),
		ser(cadvisor("worker-85kfkl8zrf-npqrs", "w", "c"), 6*h, 12*h),
		ser(cadvisor("worker-85kfkl8zrf-tvwxz", "w", "d"), 6*h+m, 12*h),
	}
	if ws, _ := Group(ss, By{Mode: Auto}); len(ws[0].Rollouts) != 0 {
		t.Errorf("a scale-up is no rollout: %+v", ws[0].Rollouts)
	}
}

// An upstream label named namespace, workload or container with another
// value is never overwritten: the workload's goes to memshape_<name>.
func TestWorkloadLabelsNeverOverwrite(t *testing.T) {
	l := map[string]string{"pod_name": "cart-7d9f8b6c5d-x2kq4", "kube_namespace": "shop", "kube_container_name": "app", "namespace": "team-a", "container": "app"}
	ws, _ := Group([]series.Series{ser(l, 0, time.Hour)}, By{Mode: Auto})
	got := ws[0].Labels
	if got["namespace"] != "team-a" || got["memshape_namespace"] != "shop" || got["workload"] != "cart" || got["container"] != "app" || got["memshape_container"] != "" {
		t.Errorf("labels %v", got)
	}
}

// A series' workload is found by the key of its identity labels, made
// without them: the same key, also when the series keeps a name identity
// sets (with that value or another, or empty) or a memshape_<name> it
// overwrites.
func TestIdentityKeyIsTheLabelsKey(t *testing.T) {
	var key []byte
	var pairs [][2]string
	for _, l := range []map[string]string{
		cadvisor("cart-7d9f8b6c5d-bcdfg", "app", "u1/c1"),
		cadvisor("cart-7d9f8b6c5d-bcdfg", "app", "u1/c1", "workload", "cart"),
		cadvisor("cart-7d9f8b6c5d-bcdfg", "app", "u1/c1", "workload", "shop-cart", "memshape_workload", "x"),
		cadvisor("cart-7d9f8b6c5d-bcdfg", "", "u1/c1", "memshape_container", "y"),
		{"pod_name": "cart-7d9f8b6c5d-x2kq4", "kube_namespace": "shop", "kube_container_name": "app", "namespace": "team-a", "container": "app"},
		{"pod_name": "db-0", "kube_namespace": "shop", "container_name": "db", "kube_stateful_set": "db", "namespace": "shop", "memshape_namespace": "z"},
	} {
		w, _, _, ok := kubernetes(l, true)
		if !ok {
			t.Fatalf("%v: not a Kubernetes series", l)
		}
		key, pairs = identityKey(key[:0], l, w, pairs[:0])
		if want := series.Key(identity(l, w)); string(key) != want {
			t.Errorf("%v: key %q, want %q", l, key, want)
		}
	}
}

func TestGroupByModes(t *testing.T) {
	ss := []series.Series{
		ser(map[string]string{"job": "api", "service": "a", "instance": "h1"}, 0, time.Hour),
		ser(map[string]string{"job": "api", "service": "a", "instance": "h2"}, 0, time.Hour),
		ser(map[string]string{"job": "api", "service": "b", "instance": "h1"}, 0, time.Hour),
		ser(map[string]string{"pod": "x-0", "instance": "h1"}, 0, time.Hour), // a pod label, no namespace
	}
	if ws, _ := Group(ss, By{Mode: Auto}); len(ws) != 4 {
		t.Errorf("auto without pod and namespace: %d workloads, want each series its own", len(ws))
	}
	by, err := ParseBy(json.RawMessage(`["service", "job"]`))
	if err != nil || by.String() != "job,service" {
		t.Fatalf("%v %v", by, err)
	}
	ws, _ := Group(ss, by)
	if len(ws) != 3 || len(ws[0].Members) != 2 || !equal(ws[0].Labels, map[string]string{"job": "api", "service": "a"}) || ws[0].Kind != Labelled {
		t.Errorf("grouped by job and service: %+v", ws)
	}
	ws, notes := Group(ss, By{Mode: ByWorkload})
	if len(ws) != 4 || len(notes) != 1 || !strings.Contains(notes[0], "3 series have no pod label") {
		t.Errorf("workload mode: %d workloads, notes %v", len(ws), notes)
	}
	for _, bad := range []string{`3`, `"9x"`, `[]`, `["a b"]`} {
		if _, err := ParseBy(json.RawMessage(bad)); err == nil {
			t.Errorf("ParseBy(%s): no error", bad)
		}
	}
	for s, want := range map[string]Mode{"": Auto, "AUTO": Auto, "series": BySeries, "workload": ByWorkload, "job, service": ByLabels} {
		if got, err := ParseByString(s); err != nil || got.Mode != want {
			t.Errorf("ParseByString(%q) = %v, %v", s, got, err)
		}
	}
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A time column shared by series (one grid) is measured once; a column
// of other memory is measured again, even of the same length.
func TestMemberSpansOfSharedAndOwnTimes(t *testing.T) {
	grid := []int64{1000, 2000, 3000, 4000}
	own := []int64{4000, 2000, 1500, 5000} // unsorted: first 1500, last 5000, one rising spacing
	pod := func(name string, ts []int64) series.Series {
		return series.Series{Labels: map[string]string{"namespace": "ns", "pod": name}, T: ts, V: make([]float64, len(ts))}
	}
	ws, _ := Group([]series.Series{pod("a-0", grid), pod("a-1", grid), pod("a-2", own), pod("a-3", grid[:3])}, By{})
	want := map[int][3]int64{0: {1000, 4000, 1000}, 1: {1000, 4000, 1000}, 2: {1500, 5000, 3500}, 3: {1000, 3000, 1000}}
	n := 0
	for _, w := range ws {
		for _, m := range w.Members {
			n++
			if got := [3]int64{m.First, m.Last, m.Step}; got != want[m.Series] {
				t.Errorf("series %d: first, last, step %v, want %v", m.Series, got, want[m.Series])
			}
		}
	}
	if n != len(want) {
		t.Errorf("%d members, want %d", n, len(want))
	}
}
