package shape

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/pkg/units"
)

// TestEdgeCases runs the hand-made cases in testdata/edge: each file holds
// one or more series written out in a small language (testdata/edge/README.md),
// the shape a careful person would name and why. Classify must name it,
// never panic, and say what the file says it says.
func TestEdgeCases(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "edge", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no edge cases in testdata/edge: %v", err)
	}
	n := 0
	for _, file := range files {
		cases, err := readEdgeFile(file)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, c := range cases {
			n++
			t.Run(filepath.Base(file)+"/"+c.name, func(t *testing.T) {
				v := Classify(c.t, c.v, Options{LimitBytes: c.limit})
				if !slices.Contains(c.want, v.Shape) {
					t.Errorf("%s:%d: got %s, want %s: %s", file, c.line, v.Shape, strings.Join(shapeNames(c.want), " or "), v.Explanation)
				}
				for _, s := range c.says {
					if !strings.Contains(v.Explanation, s) {
						t.Errorf("%s:%d: explanation %q lacks %q", file, c.line, v.Explanation, s)
					}
				}
				if v.Components == nil || v.Explanation == "" || (v.Shape == Inconclusive && v.Reason == "") {
					t.Errorf("%s:%d: an unusable verdict: %+v", file, c.line, v)
				}
				// Memory that falls is no growth: a verdict never speaks of
				// growth below zero (a level that falls after warm-up is
				// healthy; a curve that slowed has slowed to a standstill).
				if g := negativeGrowth.FindString(v.Explanation); g != "" && v.Shape != Healthy {
					t.Errorf("%s:%d: %s speaks of negative growth (%s): %s", file, c.line, v.Shape, g, v.Explanation)
				}
				if strings.Contains(v.Reason, "internal error") {
					t.Errorf("%s:%d: %s", file, c.line, v.Reason)
				}
			})
		}
	}
	t.Logf("%d edge cases in %d files", n, len(files))
}

// negativeGrowth is a growth rate below zero as the explanations write it.
var negativeGrowth = regexp.MustCompile(`-[0-9.]+ [KMGTPE]?i?B/h`)

func shapeNames(s []Shape) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = string(x)
	}
	return out
}

// edgeCase is one series of an edge-case file and what must be said of it.
type edgeCase struct {
	name  string
	line  int
	t     []int64
	v     []float64
	limit float64
	want  []Shape
	says  []string
	pos   int // grid slots used so far, gaps included
}

// edgeEpoch is where every edge-case series starts: 2026-01-05T00:00:00Z.
var edgeEpoch = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC).UnixMilli()

// readEdgeFile parses an edge-case file (grammar in testdata/edge/README.md).
func readEdgeFile(path string) ([]edgeCase, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var cases []edgeCase
	var cur *edgeCase
	var step time.Duration
	done := func() error {
		if cur == nil {
			return nil
		}
		if len(cur.want) == 0 {
			return fmt.Errorf("line %d: case %s has no expect line", cur.line, cur.name)
		}
		cases = append(cases, *cur)
		cur = nil
		return nil
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for ln := 1; sc.Scan(); ln++ {
		line := sc.Text()
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		fail := func(format string, args ...any) error {
			return fmt.Errorf("line %d: %s", ln, fmt.Sprintf(format, args...))
		}
		if fields[0] != "case" && cur == nil {
			return nil, fail("%q before the first case line", fields[0])
		}
		switch fields[0] {
		case "case":
			if err := done(); err != nil {
				return nil, err
			}
			if len(fields) != 2 {
				return nil, fail("want: case NAME")
			}
			cur = &edgeCase{name: fields[1], line: ln, t: []int64{}, v: []float64{}}
		case "step":
			if len(fields) != 2 {
				return nil, fail("want: step DURATION")
			}
			if step, err = time.ParseDuration(fields[1]); err != nil || step <= 0 {
				return nil, fail("step %q: want a positive duration such as 1m", fields[1])
			}
		case "values":
			if step <= 0 {
				return nil, fail("values before a step line")
			}
			for _, tok := range fields[1:] {
				if err := appendValues(cur, tok, step); err != nil {
					return nil, fail("%v", err)
				}
			}
		case "limit":
			if len(fields) != 2 {
				return nil, fail("want: limit BYTES")
			}
			if cur.limit, err = units.ParseBytes(fields[1]); err != nil {
				return nil, fail("%v", err)
			}
		case "expect":
			for _, w := range fields[1:] {
				if w == "or" {
					continue
				}
				if !slices.Contains(Shapes, Shape(w)) {
					return nil, fail("unknown shape %q", w)
				}
				cur.want = append(cur.want, Shape(w))
			}
		case "says":
			s := strings.TrimSpace(strings.TrimPrefix(line, "says"))
			if unq, err := strconv.Unquote(s); err == nil {
				s = unq
			}
			cur.says = append(cur.says, s)
		default:
			if err := modify(cur, fields); err != nil {
				return nil, fail("%v", err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := done(); err != nil {
		return nil, err
	}
	return cases, nil
}

// appendValues adds the points of one token: V, VxN (N+1 times), V+DxN or
// V-DxN (N+1 points, stepping by D), A..BxN (N+1 points in a straight line
// from A to B), _ or _xN (one or N missing points).
// V and D are numbers with an optional byte unit (512MiB, 1e9, 1.5GB),
// NaN, Inf or -Inf.
func appendValues(c *edgeCase, tok string, step time.Duration) error {
	body, count := tok, 0
	if i := strings.LastIndex(tok, "x"); i > 0 {
		n, err := strconv.Atoi(tok[i+1:])
		if err != nil || n < 0 {
			return fmt.Errorf("%q: the count after x must be a whole number", tok)
		}
		body, count = tok[:i], n
	}
	if body == "_" {
		c.pos += max(count, 1)
		return nil
	}
	if from, to, ok := strings.Cut(body, ".."); ok {
		a, err1 := parseValue(from)
		b, err2 := parseValue(to)
		if err1 != nil || err2 != nil || count == 0 {
			return fmt.Errorf("%q: want A..BxN with N > 0", tok)
		}
		for k := 0; k <= count; k++ {
			c.t = append(c.t, edgeEpoch+int64(c.pos)*step.Milliseconds())
			c.v = append(c.v, a+(b-a)*float64(k)/float64(count))
			c.pos++
		}
		return nil
	}
	start, delta := body, "0"
	if i := strings.LastIndexAny(body, "+-"); i > 0 && body[i-1] != 'e' && body[i-1] != 'E' {
		start, delta = body[:i], body[i:]
	}
	a, err := parseValue(start)
	if err != nil {
		return fmt.Errorf("%q: %v", tok, err)
	}
	d, err := parseValue(delta)
	if err != nil {
		return fmt.Errorf("%q: %v", tok, err)
	}
	for k := 0; k <= count; k++ {
		c.t = append(c.t, edgeEpoch+int64(c.pos)*step.Milliseconds())
		c.v = append(c.v, a+float64(k)*d)
		c.pos++
	}
	return nil
}

// parseValue reads a number with an optional byte unit and sign, or NaN,
// Inf, -Inf.
func parseValue(s string) (float64, error) {
	switch strings.ToLower(s) {
	case "nan":
		return math.NaN(), nil
	case "inf", "+inf":
		return math.Inf(1), nil
	case "-inf":
		return math.Inf(-1), nil
	}
	sign := 1.0
	if strings.HasPrefix(s, "-") {
		sign, s = -1, s[1:]
	} else {
		s = strings.TrimPrefix(s, "+")
	}
	b, err := units.ParseBytes(s)
	return sign * b, err
}

// modify applies a line that changes the series written so far:
//
//	noise P% seed S        add Gaussian noise of P % of the median value
//	jitter P% seed S       add Gaussian noise of P % of each point's own
//	                       value (noise that grows with the level)
//	sprinkle P% seed S     replace P % of the points with NaN, +Inf or -Inf
//	set I V                set point I to V
//	negate I...            negate points I...
//	zero P% Q%             set the points from P % to Q % of the series to 0
//	swap every K           swap points i and i+1 for i = 1, 1+K, 1+2K, …
//	duplicate every K      repeat every K-th point from the end (same time,
//	                       value 1 % higher: the last value for a time wins)
//	shuffle seed S         put the points in random order
//	twice                  report the whole series again after itself
func modify(c *edgeCase, f []string) error {
	seed := func(i int) (*rand.Rand, error) {
		if len(f) != i+2 || f[i] != "seed" {
			return nil, fmt.Errorf("%s: want … seed N", f[0])
		}
		n, err := strconv.ParseUint(f[i+1], 10, 64)
		return rand.New(rand.NewPCG(n, 0xED6E)), err
	}
	share := func(s string) (float64, error) {
		if !strings.HasSuffix(s, "%") {
			return 0, fmt.Errorf("%q: want a share such as 2%%", s)
		}
		x, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
		return x / 100, err
	}
	index := func(s string) (int, error) {
		i, err := strconv.Atoi(s)
		if err != nil || i < 0 || i >= len(c.v) {
			return 0, fmt.Errorf("%q: not a point of the %d", s, len(c.v))
		}
		return i, nil
	}
	switch f[0] {
	case "noise", "jitter", "sprinkle":
		if len(f) < 2 {
			return fmt.Errorf("%s: want %s P%% seed N", f[0], f[0])
		}
		p, err := share(f[1])
		if err != nil {
			return err
		}
		r, err := seed(2)
		if err != nil {
			return err
		}
		if f[0] == "noise" {
			sorted := slices.Clone(c.v)
			slices.Sort(sorted)
			sd := p * sorted[len(sorted)/2]
			for i := range c.v {
				c.v[i] += sd * r.NormFloat64()
			}
			return nil
		}
		if f[0] == "jitter" {
			for i := range c.v {
				c.v[i] *= 1 + p*r.NormFloat64()
			}
			return nil
		}
		junk := []float64{math.NaN(), math.Inf(1), math.Inf(-1)}
		for i := range c.v {
			if r.Float64() < p {
				c.v[i] = junk[r.IntN(len(junk))]
			}
		}
	case "set":
		if len(f) != 3 {
			return fmt.Errorf("want: set I V")
		}
		i, err := index(f[1])
		if err != nil {
			return err
		}
		if c.v[i], err = parseValue(f[2]); err != nil {
			return err
		}
	case "negate":
		for _, s := range f[1:] {
			i, err := index(s)
			if err != nil {
				return err
			}
			c.v[i] = -c.v[i]
		}
	case "zero":
		if len(f) != 3 {
			return fmt.Errorf("want: zero P%% Q%%")
		}
		from, err1 := share(f[1])
		to, err2 := share(f[2])
		if err1 != nil || err2 != nil {
			return fmt.Errorf("zero: want shares such as 40%% 50%%")
		}
		n := float64(len(c.v))
		for i := int(from * n); i < int(to*n); i++ {
			c.v[i] = 0
		}
	case "swap", "duplicate":
		if len(f) != 3 || f[1] != "every" {
			return fmt.Errorf("want: %s every K", f[0])
		}
		k, err := strconv.Atoi(f[2])
		if err != nil || k < 1 {
			return fmt.Errorf("%s every %q: want a whole number", f[0], f[2])
		}
		if f[0] == "swap" {
			for i := 1; i+1 < len(c.t); i += k {
				c.t[i], c.t[i+1] = c.t[i+1], c.t[i]
				c.v[i], c.v[i+1] = c.v[i+1], c.v[i]
			}
			return nil
		}
		for i := len(c.t) - 1; i > 0; i -= k {
			c.t = slices.Insert(c.t, i+1, c.t[i])
			c.v = slices.Insert(c.v, i+1, c.v[i]*1.01)
		}
	case "shuffle":
		r, err := seed(1)
		if err != nil {
			return err
		}
		r.Shuffle(len(c.t), func(i, j int) {
			c.t[i], c.t[j] = c.t[j], c.t[i]
			c.v[i], c.v[j] = c.v[j], c.v[i]
		})
	case "twice":
		c.t = append(c.t, c.t...)
		c.v = append(c.v, c.v...)
	default:
		return fmt.Errorf("unknown line %q", f[0])
	}
	return nil
}
