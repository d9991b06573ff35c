package workload

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// PodPattern and ParsePod agree: a pod name matches a workload's pattern
// exactly when ParsePod reads that workload from it, or the pod is named
// exactly as the workload — over names of every kind, workloads whose
// names start alike (api, api-gateway, api-v2), and names that only look
// generated.
func TestPodPatternAgreesWithParsePod(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	gen := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(safe[r.IntN(len(safe))])
		}
		return b.String()
	}
	workloads := []string{"api", "api-gateway", "api-v2", "cache", "node-exporter", "db", "db-0", "cron"}
	var pods []string
	for _, w := range workloads {
		for range 20 {
			pods = append(pods,
				w+"-"+gen(6+r.IntN(5))+"-"+gen(5), // Deployment
				w+"-"+gen(5),                                             // DaemonSet or Job
				fmt.Sprintf("%s-%d", w, r.IntN(30)),                      // StatefulSet
				fmt.Sprintf("%s-%d-%s", w, 29000000+r.IntN(1e6), gen(5)), // CronJob
			)
		}
		pods = append(pods, w, w+"-backend", w+"-abcde", w+"-01", w+"-7d9f8b6c5d-x2kq4") // not generated: vowels, 1, a leading 0
	}
	for _, w := range workloads {
		re := regexp.MustCompile("^(?:" + PodPattern(regexp.QuoteMeta(w)) + ")$")
		for _, p := range pods {
			want := ParsePod(p).Workload == w || p == w
			if got := re.MatchString(p); got != want {
				t.Errorf("PodPattern(%q) matches %q: %v; ParsePod reads %+v", w, p, got, ParsePod(p))
			}
		}
	}
	// Several workloads at once, as a multi-value variable gives them.
	re := regexp.MustCompile("^(?:" + PodPattern("(api|cache)") + ")$")
	for _, p := range pods {
		w := ParsePod(p)
		want := w.Workload == "api" || w.Workload == "cache" || p == "api" || p == "cache"
		if re.MatchString(p) != want {
			t.Errorf("PodPattern((api|cache)) on %q: want %v", p, want)
		}
	}
}
