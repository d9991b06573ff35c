package corpus

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/memshape/memory-datasource/pkg/shape"
)

// WorkloadCase is one labelled workload: the lifetimes of its pods and
// containers as a cluster churns them — replicas side by side, every pod
// replaced at each rollout or after a random life (autoscaling), sampled
// at one step over one window — and the shape a careful person names
// from all of them together (shape.ClassifyPooled's job).
type WorkloadCase struct {
	Name     string // "<scenario>/<index>"
	Scenario string
	Lives    []shape.Life
	Want     shape.Shape
	Accept   []shape.Shape
	// ChangeAt is the generation from which the shape is Want (a release
	// that started it); 0 when it was so throughout.
	ChangeAt int
	Limit    float64
	Window   time.Duration
	Step     time.Duration
	Replicas int
	Life     time.Duration // the typical lifetime
}

// Correct reports whether got is a right answer.
func (c WorkloadCase) Correct(got shape.Shape) bool {
	return got == c.Want || slices.Contains(c.Accept, got)
}

// workloadScenario draws the churn and the memory of one kind of workload.
type workloadScenario struct {
	name string
	want shape.Shape
	// accept lists other right answers.
	accept []shape.Shape
	// life and replicas bound the draw: each lifetime lasts life[0]–life[1]
	// hours, replicas[0]–replicas[1] side by side.
	life     [2]float64
	replicas [2]int
	// autoscale: each pod lives a random life, not until a rollout.
	autoscale bool
	// memory is the noise-free memory of a lifetime of generation g at age
	// hours, at Unix time t seconds; p holds the case's drawn parameters.
	memory func(p params, g int, age, t float64) float64
	// draw draws the case's parameters.
	draw func(d *wdraw) params
	// changeAt: the generation the shape starts at (0 none); drawn.
	changeAt func(d *wdraw, gens int) int
}

type params struct {
	base, rate, amp, tau float64
	life                 float64      // the typical lifetime, hours
	jumps                [][2]float64 // (age, size) of a lifetime's jumps, by generation and replica when needed
	from                 int          // generation from which a release leaks
}

type wdraw struct{ r *rand.Rand }

func (d *wdraw) u(lo, hi float64) float64 { return lo + (hi-lo)*d.r.Float64() }

func warmLevel(age, base float64) float64 { return base * (1 - 0.5*math.Exp(-age*6)) }

var workloadScenarios = []workloadScenario{
	{
		name: "leak-rollouts", want: shape.Leak, life: [2]float64{3, 24}, replicas: [2]int{1, 4},
		draw: func(d *wdraw) params {
			return params{base: d.u(100, 2000) * (1 << 20), rate: d.u(0.015, 0.06)}
		},
		memory: func(p params, _ int, age, _ float64) float64 { return warmLevel(age, p.base) + p.base*p.rate*age },
	},
	{
		name: "leak-autoscaled", want: shape.Leak, life: [2]float64{1, 4}, replicas: [2]int{2, 6}, autoscale: true,
		draw: func(d *wdraw) params {
			return params{base: d.u(100, 1000) * (1 << 20), rate: d.u(0.05, 0.15)}
		},
		memory: func(p params, _ int, age, _ float64) float64 { return warmLevel(age, p.base) + p.base*p.rate*age },
	},
	{
		name: "fragmentation-rollouts", want: shape.Fragmentation, life: [2]float64{18, 72}, replicas: [2]int{1, 3},
		draw: func(d *wdraw) params {
			return params{base: d.u(200, 2000) * (1 << 20), amp: d.u(0.2, 0.5), tau: d.u(0.5, 3)}
		},
		memory: func(p params, _ int, age, _ float64) float64 {
			return warmLevel(age, p.base) + p.base*p.amp*math.Log1p(age/p.tau)
		},
	},
	{
		// Still climbing when the lifetime ends: a time constant of a third
		// of a lifetime or more (drawn as a share of it, in generate).
		name: "saturating-rollouts", want: shape.Fragmentation, life: [2]float64{24, 96}, replicas: [2]int{1, 3},
		draw: func(d *wdraw) params {
			return params{base: d.u(200, 2000) * (1 << 20), amp: d.u(0.3, 0.6), tau: d.u(0.35, 0.8)}
		},
		memory: func(p params, _ int, age, _ float64) float64 {
			return warmLevel(age, p.base) - p.base*p.amp*math.Expm1(-age/(p.tau*p.life))
		},
	},
	{
		name: "healthy-rollouts", want: shape.Healthy, life: [2]float64{2, 48}, replicas: [2]int{1, 5},
		draw: func(d *wdraw) params {
			return params{base: d.u(100, 3000) * (1 << 20), amp: d.u(0, 0.12)}
		},
		memory: func(p params, _ int, age, t float64) float64 {
			return warmLevel(age, p.base*(1+p.amp*math.Sin(2*math.Pi*t/86400)))
		},
	},
	{
		name: "healthy-autoscaled", want: shape.Healthy, life: [2]float64{1, 4}, replicas: [2]int{2, 6}, autoscale: true,
		draw: func(d *wdraw) params {
			return params{base: d.u(100, 1000) * (1 << 20), amp: d.u(0, 0.1)}
		},
		memory: func(p params, _ int, age, t float64) float64 {
			return warmLevel(age, p.base*(1+p.amp*math.Sin(2*math.Pi*t/86400)))
		},
	},
	{
		name: "bloat-rollouts", want: shape.Bloat, life: [2]float64{60, 168}, replicas: [2]int{1, 2},
		draw: func(d *wdraw) params {
			p := params{base: d.u(300, 2000) * (1 << 20)}
			for i := 0; i < 12; i++ {
				p.jumps = append(p.jumps, [2]float64{d.u(10, 30) * float64(i+1), d.u(0.15, 0.35)})
			}
			return p
		},
		memory: func(p params, g int, age, _ float64) float64 {
			v := warmLevel(age, p.base)
			shift := float64(g%5) * 3 // each generation's jumps a little apart
			for _, j := range p.jumps {
				if at := j[0] + shift; age > at {
					v += p.base * j[1] * math.Min(1, (age-at)*4)
				}
			}
			return v
		},
	},
	{
		name: "trap-rollouts", want: shape.Fragmentation, accept: []shape.Shape{shape.Bloat}, life: [2]float64{48, 120}, replicas: [2]int{1, 2},
		draw: func(d *wdraw) params {
			p := params{base: d.u(300, 2000) * (1 << 20), amp: d.u(0.25, 0.4), tau: d.u(6, 12)}
			for i := 0; i < 10; i++ {
				p.jumps = append(p.jumps, [2]float64{d.u(10, 16) * float64(i+1), d.u(0.06, 0.12)})
			}
			return p
		},
		memory: func(p params, _ int, age, _ float64) float64 {
			v := warmLevel(age, p.base) + p.base*p.amp*math.Log1p(age/p.tau)
			for _, j := range p.jumps {
				if age > j[0] {
					v += p.base * j[1] * math.Min(1, (age-j[0])*4)
				}
			}
			return v
		},
	},
	{
		name: "leak-release", want: shape.Leak, accept: []shape.Shape{shape.Inconclusive}, life: [2]float64{6, 24}, replicas: [2]int{1, 3},
		draw: func(d *wdraw) params {
			return params{base: d.u(200, 1500) * (1 << 20), rate: d.u(0.03, 0.08)}
		},
		changeAt: func(d *wdraw, gens int) int { return max(1, int(d.u(0.3, 0.6)*float64(gens))) },
		memory: func(p params, g int, age, _ float64) float64 {
			v := warmLevel(age, p.base)
			if g >= p.from {
				v += p.base * p.rate * age
			}
			return v
		},
	},
}

// WorkloadScenarios lists the workload scenarios in generation order.
func WorkloadScenarios() []string {
	out := make([]string, len(workloadScenarios))
	for i, s := range workloadScenarios {
		out[i] = s.name
	}
	return out
}

// GenerateWorkloads draws perScenario cases of every workload scenario:
// a window of 3–7 days at a step of 1, 2 or 5 minutes, replicas and
// lifetimes as the scenario says, 0.3–1 % scrape noise. The same seed
// gives the same cases.
func GenerateWorkloads(seed int64, perScenario int) []WorkloadCase {
	var out []WorkloadCase
	for si, sc := range workloadScenarios {
		for i := range perScenario {
			d := &wdraw{rand.New(rand.NewPCG(uint64(seed)+1000, uint64(si)<<32|uint64(i)))}
			c := sc.generate(d)
			c.Name = fmt.Sprintf("%s/%04d", sc.name, i)
			out = append(out, c)
		}
	}
	return out
}

func (sc workloadScenario) generate(d *wdraw) WorkloadCase {
	steps := []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute}
	c := WorkloadCase{
		Scenario: sc.name, Want: sc.want, Accept: sc.accept,
		Window:   time.Duration(d.u(3, 7) * float64(24*time.Hour)).Round(time.Hour),
		Step:     steps[d.r.IntN(len(steps))],
		Replicas: sc.replicas[0] + d.r.IntN(sc.replicas[1]-sc.replicas[0]+1),
		Life:     time.Duration(d.u(sc.life[0], sc.life[1]) * float64(time.Hour)).Round(time.Minute),
	}
	p := sc.draw(d)
	p.life = c.Life.Hours()
	noise := d.u(0.003, 0.01)
	end := Epoch.Add(30 * 24 * time.Hour)
	start := end.Add(-c.Window)
	type span struct {
		from, to time.Time
		gen      int
	}
	var spans []span
	gens := int(c.Window/c.Life) + 2
	if sc.changeAt != nil {
		p.from = sc.changeAt(d, gens)
		c.ChangeAt = p.from
	}
	first := start.Add(-time.Duration(d.r.Float64() * float64(c.Life)))
	if sc.autoscale {
		// Each replica slot runs pods of random lives back to back; the
		// generation is the day a pod starts in.
		for i := 0; i < c.Replicas; i++ {
			at := first.Add(-time.Duration(d.r.Float64() * float64(c.Life)))
			for at.Before(end) {
				life := time.Duration(d.u(sc.life[0], sc.life[1]) * float64(time.Hour))
				spans = append(spans, span{at, at.Add(life), int(at.Sub(first) / (24 * time.Hour))})
				at = at.Add(life + time.Duration(d.u(0, 0.5)*float64(time.Hour)))
			}
		}
	} else {
		for g := 0; g < gens; g++ {
			g0 := first.Add(time.Duration(g) * c.Life)
			for i := 0; i < c.Replicas; i++ {
				lag := time.Duration(i) * 40 * time.Second
				spans = append(spans, span{g0.Add(lag), g0.Add(c.Life + lag + 30*time.Second), g})
			}
		}
	}
	top := 0.0
	for k, s := range spans {
		r := rand.New(rand.NewPCG(uint64(k)+1, uint64(s.from.Unix())))
		l := shape.Life{Generation: s.gen}
		from := start
		if s.from.After(from) {
			from = s.from
		}
		for t := from.Truncate(c.Step); t.Before(s.to) && !t.After(end); t = t.Add(c.Step) {
			if t.Before(start) || t.Before(s.from) {
				continue
			}
			v := sc.memory(p, s.gen, t.Sub(s.from).Hours(), float64(t.Unix()))
			top = math.Max(top, v)
			l.T = append(l.T, t.UnixMilli())
			l.V = append(l.V, v*(1+noise*r.NormFloat64()))
		}
		if len(l.T) > 0 {
			c.Lives = append(c.Lives, l)
		}
	}
	c.Limit = top * d.u(1.3, 3)
	return c
}

// WorkloadReport is how the pooled classifier did on workload cases.
type WorkloadReport struct {
	Cases, Right int
	// FalseLeaks counts non-leak workloads called a leak; LeakRecall is the
	// share of leak workloads called a leak (inconclusive where accepted
	// counts as right, not as found).
	FalseLeaks int
	Leaks      int
	LeaksFound int
	// Changes counts the cases built with a release that started the
	// shape, and Named how many verdicts named that very generation.
	Changes, Named int
	// Judged one series at a time, as without grouping: leak workloads of
	// which no series is called a leak, and workloads without a leak of
	// which some series is (each an alert instance that fires).
	PodsHideLeak, PodsFalseLeak int
	Wrong                       []string // "name: got (want)"
	ByScenario                  map[string][2]int
}

// EvaluateWorkloads runs shape.ClassifyPooled on every case, and
// shape.Classify on every series of it for comparison.
func EvaluateWorkloads(cases []WorkloadCase) WorkloadReport {
	r := WorkloadReport{Cases: len(cases), ByScenario: map[string][2]int{}}
	for _, c := range cases {
		v := shape.ClassifyPooled(c.Lives, shape.Options{LimitBytes: c.Limit})
		s := r.ByScenario[c.Scenario]
		s[1]++
		if c.Correct(v.Shape) {
			r.Right++
			s[0]++
		} else {
			r.Wrong = append(r.Wrong, fmt.Sprintf("%s: %s (want %s) — %s", c.Name, v.Shape, c.Want, v.Explanation))
		}
		r.ByScenario[c.Scenario] = s
		if c.Want == shape.Leak {
			r.Leaks++
			if v.Shape == shape.Leak {
				r.LeaksFound++
			}
		} else if v.Shape == shape.Leak && !c.Correct(shape.Leak) {
			r.FalseLeaks++
		}
		leaks := 0
		for _, l := range c.Lives {
			if shape.Classify(l.T, l.V, shape.Options{LimitBytes: c.Limit}).Shape == shape.Leak {
				leaks++
			}
		}
		switch {
		case c.Want == shape.Leak && leaks == 0:
			r.PodsHideLeak++
		case c.Want != shape.Leak && leaks > 0 && !c.Correct(shape.Leak):
			r.PodsFalseLeak++
		}
		if c.ChangeAt > 0 {
			r.Changes++
			if v.Pool != nil && v.Pool.Change != nil && v.Pool.Change.Generation == c.ChangeAt {
				r.Named++
			}
		}
	}
	return r
}

// Accuracy is the share of cases named right.
func (r WorkloadReport) Accuracy() float64 { return ratio(r.Right, r.Cases) }

// FalseLeakRate is the share of workloads built without a leak that were
// called one.
func (r WorkloadReport) FalseLeakRate() float64 { return ratio(r.FalseLeaks, r.Cases-r.Leaks) }

// LeakRecall is the share of leaking workloads called a leak.
func (r WorkloadReport) LeakRecall() float64 { return ratio(r.LeaksFound, r.Leaks) }

// WriteText prints the report.
func (r WorkloadReport) WriteText(w io.Writer) {
	fmt.Fprintf(w, "workloads: %d, right %d (%s); false leaks %d of %d (%s); leaks found %d of %d (%s); releases named %d of %d\n",
		r.Cases, r.Right, pct(r.Accuracy()), r.FalseLeaks, r.Cases-r.Leaks, pct(r.FalseLeakRate()), r.LeaksFound, r.Leaks, pct(r.LeakRecall()), r.Named, r.Changes)
	fmt.Fprintf(w, "one series at a time: %d of %d leaking workloads with no series called a leak (%s); %d of %d other workloads with a series called a leak (%s)\n",
		r.PodsHideLeak, r.Leaks, pct(ratio(r.PodsHideLeak, r.Leaks)), r.PodsFalseLeak, r.Cases-r.Leaks, pct(ratio(r.PodsFalseLeak, r.Cases-r.Leaks)))
	names := make([]string, 0, len(r.ByScenario))
	for n := range r.ByScenario {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		s := r.ByScenario[n]
		fmt.Fprintf(w, "  %-24s %3d of %3d\n", n, s[0], s[1])
	}
}
