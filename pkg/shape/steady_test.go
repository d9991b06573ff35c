package shape

import (
	"math"
	"strings"
	"testing"
	"time"
)

// A noiseless rise of 1 MB every 5 minutes is steady growth however small
// against the level: never "healthy", whatever the window.
func TestClassifySteadyGrowthIsNeverHealthy(t *testing.T) {
	for _, c := range []struct {
		window time.Duration
		base   float64
	}{
		{114 * time.Minute, 1e9}, {4 * time.Hour, 1e9}, {114 * time.Minute, 200e6}, {6 * time.Hour, 4e9},
	} {
		for _, step := range []time.Duration{15 * time.Second, time.Minute} {
			n := int(c.window/step) + 1
			ts := make([]int64, n)
			vs := make([]float64, n)
			for i := range ts {
				ts[i] = t0 + int64(i)*step.Milliseconds()
				vs[i] = c.base + 1e6*math.Floor(float64(time.Duration(i)*step)/float64(5*time.Minute))
			}
			v := Classify(ts, vs, Options{})
			if v.Shape == Healthy {
				t.Errorf("%v at %v from %.0f MB: healthy: %s", c.window, step, c.base/1e6, v.Explanation)
			}
			if v.Shape == Inconclusive && !strings.Contains(v.Explanation, "watch") {
				t.Errorf("%v at %v: inconclusive without saying how long to watch: %s", c.window, step, v.Explanation)
			}
			t.Logf("%v at %v from %.0f MB: %s", c.window, step, c.base/1e6, v.Explanation)
		}
	}
}
