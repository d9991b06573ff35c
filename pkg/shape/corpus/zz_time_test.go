package corpus

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/pkg/shape"
)

func TestZZTime(t *testing.T) {
	if os.Getenv("ZZTIME") == "" {
		t.Skip()
	}
	const n = 1440
	per := map[string]time.Duration{}
	cnt := map[string]int{}
	for _, c := range Generate(1, 20) {
		if len(c.T) < n {
			continue
		}
		tt := make([]int64, n)
		vv := make([]float64, n)
		for i := range tt {
			j := i * (len(c.T) - 1) / (n - 1)
			tt[i], vv[i] = c.T[j], c.V[j]
		}
		s := time.Now()
		for k := 0; k < 50; k++ {
			shape.Classify(tt, vv, shape.Options{})
		}
		per[c.Scenario] += time.Since(s) / 50
		cnt[c.Scenario]++
	}
	for k, d := range per {
		fmt.Printf("%-26s %3d %8v\n", k, cnt[k], d/time.Duration(cnt[k]))
	}
}
