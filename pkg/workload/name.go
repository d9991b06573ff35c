// Package workload groups the series of a query into workloads — the
// Deployment, StatefulSet, DaemonSet or Job whose pods they come from, or
// whatever labels the user names — so that a workload is judged across
// its lifetimes: replicas side by side, pods replaced by rollouts and
// autoscaling, containers restarted (each a new series under cAdvisor).
// It names each workload from its pods (or owner labels), tells the
// rollouts apart, and feeds the lifetimes to shape.ClassifyPooled. It is
// pure: no I/O, no clock, no Grafana types.
package workload

import (
	"strconv"
	"strings"
)

// Kind is what kind of controller runs a workload's pods.
type Kind string

// The kinds of workload: the controllers Kubernetes names pods for, and
// the groups that are not a controller's.
const (
	Deployment  Kind = "deployment"
	StatefulSet Kind = "statefulset"
	DaemonSet   Kind = "daemonset"
	Job         Kind = "job"
	CronJob     Kind = "cronjob"
	// DaemonSetOrJob is a pod named <name>-<5 chars> by a controller the
	// labels do not name (a DaemonSet's and a Job's pods look alike).
	DaemonSetOrJob Kind = "daemonset/job"
	// Pod is a pod whose name follows no controller's rule (a static or bare
	// pod), its own workload.
	Pod Kind = "pod"
	// Labelled is a workload named by the labels the query grouped by.
	Labelled Kind = "labels"
	// Single is one series, not grouped.
	Single Kind = "series"
)

// safe is Kubernetes' alphabet for generated names (rand.SafeEncodeString:
// no vowels, no 0, 1, 3), in which ReplicaSet hashes and pod suffixes are
// written.
const safe = "bcdfghjklmnpqrstvwxz2456789"

func isSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(safe, s[i]) < 0 {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// PodName is what a pod's name says of its workload.
type PodName struct {
	Workload string // the controller's name
	Kind     Kind
	// Template is a Deployment pod's ReplicaSet hash (pod-template-hash),
	// or a CronJob pod's job's schedule (minutes since the epoch): what a
	// rollout or a new run changes.
	Template string
	// Ordinal is a StatefulSet pod's ordinal, -1 otherwise: each ordinal
	// is one lineage across restarts.
	Ordinal int
}

// ParsePod reads a pod's name by Kubernetes' naming rules:
//
//   - Deployment: <name>-<ReplicaSet hash>-<5 chars>, the hash 6–10
//     characters, both in the safe alphabet
//   - CronJob: <cronjob>-<scheduled minute, 8+ digits>-<5 chars>
//   - DaemonSet or Job: <name>-<5 chars>
//   - StatefulSet: <name>-<ordinal>
//
// A name that follows none of them (a static pod, a hand-made pod) is its
// own workload, kind Pod. Words that only look generated are not: a
// suffix with a vowel or a 0, 1 or 3 (api-v2-backend) is part of the name.
func ParsePod(pod string) PodName {
	own := PodName{Workload: pod, Kind: Pod, Ordinal: -1}
	i := strings.LastIndexByte(pod, '-')
	if i <= 0 || i == len(pod)-1 {
		return own
	}
	head, last := pod[:i], pod[i+1:]
	// A Deployment's pod first: its 5-character suffix may be all digits
	// (7 of the alphabet's 27 characters are).
	if len(last) == 5 && isSafe(last) {
		if j := strings.LastIndexByte(head, '-'); j > 0 && j < len(head)-1 {
			name, mid := head[:j], head[j+1:]
			switch {
			case len(mid) >= 6 && len(mid) <= 10 && isSafe(mid):
				return PodName{Workload: name, Kind: Deployment, Template: mid, Ordinal: -1}
			case len(mid) >= 8 && len(mid) <= 10 && isDigits(mid):
				return PodName{Workload: name, Kind: CronJob, Template: mid, Ordinal: -1}
			}
		}
	}
	// A StatefulSet's ordinal: up to four digits, or five that a
	// generated suffix could not be (a 0, 1 or 3 in them); no leading 0.
	if isDigits(last) && (len(last) <= 4 || len(last) == 5 && !isSafe(last)) && (last == "0" || last[0] != '0') {
		n, _ := strconv.Atoi(last)
		return PodName{Workload: head, Kind: StatefulSet, Ordinal: n}
	}
	if len(last) == 5 && isSafe(last) {
		return PodName{Workload: head, Kind: DaemonSetOrJob, Ordinal: -1}
	}
	return own
}

// stripHash is a ReplicaSet's Deployment: <deployment>-<hash>.
func stripHash(rs string) (string, string, bool) {
	i := strings.LastIndexByte(rs, '-')
	if i <= 0 {
		return rs, "", false
	}
	if h := rs[i+1:]; len(h) >= 6 && len(h) <= 10 && isSafe(h) {
		return rs[:i], h, true
	}
	return rs, "", false
}

// owner reads the workload from labels that name it, when the query has
// them: kube-prometheus' workload and workload_type (the
// namespace_workload_pod:kube_pod_owner:relabel join), kube-state-metrics'
// owner_name and owner_kind (kube_pod_owner), Datadog's kube_deployment,
// kube_stateful_set, kube_daemon_set, kube_cronjob, kube_job and
// kube_replica_set tags.
func owner(labels map[string]string) (string, Kind, bool) {
	if w := labels["workload"]; w != "" {
		return w, kindOf(labels["workload_type"]), true
	}
	if o := labels["owner_name"]; o != "" {
		k := strings.ToLower(labels["owner_kind"])
		if k == "replicaset" {
			if d, _, ok := stripHash(o); ok {
				return d, Deployment, true
			}
		}
		return o, kindOf(k), true
	}
	for _, t := range []struct {
		tag  string
		kind Kind
	}{{"kube_deployment", Deployment}, {"kube_stateful_set", StatefulSet}, {"kube_daemon_set", DaemonSet}, {"kube_cronjob", CronJob}, {"kube_job", Job}} {
		if v := labels[t.tag]; v != "" {
			return v, t.kind, true
		}
	}
	if rs := labels["kube_replica_set"]; rs != "" {
		if d, _, ok := stripHash(rs); ok {
			return d, Deployment, true
		}
	}
	return "", "", false
}

func kindOf(s string) Kind {
	switch strings.ToLower(s) {
	case "deployment", "replicaset":
		return Deployment
	case "statefulset":
		return StatefulSet
	case "daemonset":
		return DaemonSet
	case "job":
		return Job
	case "cronjob":
		return CronJob
	}
	return Pod
}

// podSuffix is what Kubernetes appends to a workload's name to name its
// pods, as a regular expression (RE2, Prometheus' flavour): a
// Deployment's ReplicaSet hash and suffix, a CronJob's scheduled minute
// and suffix, a DaemonSet's or Job's suffix, or a StatefulSet's ordinal —
// the names ParsePod reads back to the workload.
const podSuffix = `-(?:(?:[` + safe + `]{6,10}|[0-9]{8,10})-[` + safe + `]{5}|[` + safe + `]{5}|0|[1-9][0-9]{0,4})`

// PodPattern is a regular expression matching the names of the pods of
// the workload named by name — itself a regular expression, so that an
// alternation of several workloads ((a|b), as Grafana writes a
// multi-value variable for Prometheus) selects all their pods. A pod of
// another workload whose name starts the same way (api and api-gateway)
// is not matched: the suffix must be one Kubernetes writes. A pod named
// exactly name (a bare pod, its own workload) is matched too.
func PodPattern(name string) string {
	return "(?:" + name + ")(?:" + podSuffix + ")?"
}

// Of is the Kubernetes workload a series' labels say it belongs to
// (namespace, workload name and kind), from owner labels or else the pod's
// name, as Group reads them; ok is false for a series with no pod label.
func Of(labels map[string]string) (namespace, name string, kind Kind, ok bool) {
	w, _, _, ok := kubernetes(labels, true)
	return w.Namespace, w.Name, w.Kind, ok
}
