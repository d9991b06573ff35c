package corpus

import (
	"strings"
	"testing"
)

// Targets of the pooled classifier on the reference workload corpus
// (GenerateWorkloads(DefaultSeed, 60): 540 workloads, 9 scenarios).
// Measured: 99.3 % right, no false leak, every leak found, 59 of 60
// releases named (seeds 2 and 3, held out: 98.9 % and 98.9 %, one false
// leak each, a near-straight saturating curve).
const (
	targetWorkloadAccuracy  = 0.98
	targetWorkloadFalseLeak = 0.005
	targetWorkloadRecall    = 0.98
	targetReleasesNamed     = 0.9
)

func TestWorkloadAccuracy(t *testing.T) {
	r := EvaluateWorkloads(GenerateWorkloads(DefaultSeed, 60))
	var b strings.Builder
	r.WriteText(&b)
	t.Log("\n" + b.String())
	if r.Accuracy() < targetWorkloadAccuracy {
		t.Errorf("accuracy %.3f, want ≥ %.2f; wrong:\n%s", r.Accuracy(), targetWorkloadAccuracy, strings.Join(r.Wrong, "\n"))
	}
	if r.FalseLeakRate() > targetWorkloadFalseLeak {
		t.Errorf("false-leak rate %.3f, want ≤ %.3f", r.FalseLeakRate(), targetWorkloadFalseLeak)
	}
	if r.LeakRecall() < targetWorkloadRecall {
		t.Errorf("leak recall %.3f, want ≥ %.2f", r.LeakRecall(), targetWorkloadRecall)
	}
	if got := ratio(r.Named, r.Changes); got < targetReleasesNamed {
		t.Errorf("releases named %d of %d, want ≥ %.0f %%", r.Named, r.Changes, 100*targetReleasesNamed)
	}
	// The corpus is one grouping is for: judged one series at a time, it
	// hides leaks and raises false ones.
	if r.PodsHideLeak == 0 || r.PodsFalseLeak == 0 {
		t.Errorf("one series at a time hides %d leaks and calls %d false ones: the corpus does not churn", r.PodsHideLeak, r.PodsFalseLeak)
	}
}

func TestGenerateWorkloadsIsDeterministic(t *testing.T) {
	a, b := GenerateWorkloads(5, 2), GenerateWorkloads(5, 2)
	if len(a) != len(b) || len(a) != 2*len(WorkloadScenarios()) {
		t.Fatalf("%d and %d cases", len(a), len(b))
	}
	for i := range a {
		if a[i].Name != b[i].Name || len(a[i].Lives) != len(b[i].Lives) || a[i].Lives[0].V[3] != b[i].Lives[0].V[3] {
			t.Errorf("case %d differs between two draws", i)
		}
	}
}
