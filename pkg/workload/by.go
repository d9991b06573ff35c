package workload

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Mode is how series are grouped.
type Mode string

const (
	// Auto groups Kubernetes series (those with a pod and a namespace
	// label: Prometheus' pod and namespace, Datadog's pod_name and
	// kube_namespace) into their workloads and judges every other series
	// on its own. The default.
	Auto Mode = "auto"
	// BySeries judges every series on its own.
	BySeries Mode = "series"
	// ByWorkload groups Kubernetes series into workloads (a pod label is
	// enough); a series without one is judged on its own, and the query is
	// told.
	ByWorkload Mode = "workload"
	// ByLabels groups series that share the values of By.Labels; every
	// other label tells lifetimes apart.
	ByLabels Mode = "labels"
)

// By says how a query's series are grouped: a mode, and the labels that
// identify a workload for ByLabels.
type By struct {
	Mode   Mode
	Labels []string
}

// String is how the grouping is written back: auto, series, workload, or
// the labels joined by commas.
func (b By) String() string {
	if b.Mode == ByLabels {
		return strings.Join(b.Labels, ",")
	}
	if b.Mode == "" {
		return string(Auto)
	}
	return string(b.Mode)
}

// ParseBy reads a grouping as a query's JSON gives it (a string, or a list
// of label names) or as the CLI's --group-by does: "auto" (also ""),
// "series", "workload", or label names ("job,service" or ["job",
// "service"]).
func ParseBy(raw json.RawMessage) (By, error) {
	raw = json.RawMessage(strings.TrimSpace(string(raw)))
	if len(raw) == 0 || string(raw) == "null" {
		return By{Mode: Auto}, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return ParseByString(s)
	}
	var labels []string
	if err := json.Unmarshal(raw, &labels); err != nil {
		return By{}, fmt.Errorf("groupBy must be \"auto\", \"series\", \"workload\" or a list of label names, e.g. [\"job\", \"service\"]; got %s", raw)
	}
	return byLabels(labels)
}

// ParseByString reads a grouping written as text: auto, series, workload,
// or label names joined by commas.
func ParseByString(s string) (By, error) {
	switch v := strings.ToLower(strings.TrimSpace(s)); v {
	case "", string(Auto):
		return By{Mode: Auto}, nil
	case string(BySeries):
		return By{Mode: BySeries}, nil
	case string(ByWorkload):
		return By{Mode: ByWorkload}, nil
	}
	return byLabels(strings.Split(s, ","))
}

func byLabels(names []string) (By, error) {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if !validLabel(n) {
			return By{}, fmt.Errorf("groupBy: %q is not a label name (letters, digits and _, not starting with a digit)", n)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return By{}, fmt.Errorf("groupBy names no label: give \"auto\", \"series\", \"workload\" or label names such as [\"job\", \"service\"]")
	}
	sort.Strings(out)
	return By{Mode: ByLabels, Labels: out}, nil
}

// validLabel: a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*); Datadog tag
// keys may also hold '.', '-' and '/'.
func validLabel(s string) bool {
	for i, r := range s {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '.' || r == '-' || r == '/'):
		default:
			return false
		}
	}
	return s != ""
}
