package promtest

import (
	"math"
	"testing"
	"time"
)

// Pairs compares each iteration with the one it ran beside, not totals:
// one slow server answer on the baseline's side must not read as the
// other side being fast in every pair.
func TestPairs(t *testing.T) {
	ms := func(wall, cpu, server int) Run {
		return Run{Wall: time.Duration(wall) * time.Millisecond, CPU: time.Duration(cpu) * time.Millisecond, ServerCPU: time.Duration(server) * time.Millisecond}
	}
	sides := map[string]SideTimes{
		"raw":   {Runs: []Run{ms(100, 10, 90), ms(400, 10, 390), ms(100, 10, 90), ms(100, 10, 90)}},
		"alert": {Runs: []Run{ms(120, 40, 90), ms(420, 40, 390), ms(110, 30, 90), ms(150, 60, 90)}},
	}
	p := Pairs(sides, "alert", "raw")
	want := PairRatios{Wall: (1.1 + 1.2) / 2, WallMax: 1.5, CPU: 1.25, CPUMax: 1.5}
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"wall median", p.Wall, want.Wall}, {"wall max", p.WallMax, want.WallMax}, {"cpu median", p.CPU, want.CPU}, {"cpu max", p.CPUMax, want.CPUMax}} {
		if math.Abs(c.got-c.want) > 1e-9 {
			t.Errorf("%s: %.4f, want %.4f", c.name, c.got, c.want)
		}
	}
	if p := Pairs(sides, "alert", "none"); !math.IsNaN(p.Wall) {
		t.Errorf("no pairs: median %v, want NaN", p.Wall)
	}
}
