// Package edgecase reads the hand-made edge cases of the shape classifier
// (pkg/shape/testdata/edge/*.txt, grammar in its README.md): each file
// holds one or more series written out in a small language, the shapes a
// careful person would name, and what the explanation must say. The
// classifier's tests run them; the pictures of docs/method.md draw some.
package edgecase

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/memshape/memory-datasource/pkg/units"
)

// ShapeNames are the names an expect line may give: shape.Shapes, spelt
// out (this package does not import pkg/shape, whose tests import it;
// they check the two agree).
var ShapeNames = []string{"leak", "fragmentation", "bloat", "healthy", "inconclusive"}

// Find is the case called name in the file at path.
func Find(path, name string) (Case, error) {
	cases, err := Read(path)
	if err != nil {
		return Case{}, fmt.Errorf("%s: %w", path, err)
	}
	for _, c := range cases {
		if c.Name == name {
			return c, nil
		}
	}
	return Case{}, fmt.Errorf("%s has no case %s", path, name)
}

// Case is one series of an edge-case file and what must be said of it.
type Case struct {
	Name  string
	Line  int // of its case line
	T     []int64
	V     []float64
	Limit float64  // bytes; 0 when the file gives none
	Want  []string // the right answers, shape names ("leak", "healthy", …)
	Says  []string // what the explanation must contain
	pos   int      // grid slots used so far, gaps included
}

// Epoch is where every edge-case series starts: 2026-01-05T00:00:00Z.
var Epoch = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC).UnixMilli()

// Read parses an edge-case file (grammar in pkg/shape/testdata/edge/README.md).
func Read(path string) ([]Case, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var cases []Case
	var cur *Case
	var step time.Duration
	done := func() error {
		if cur == nil {
			return nil
		}
		if len(cur.Want) == 0 {
			return fmt.Errorf("line %d: case %s has no expect line", cur.Line, cur.Name)
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
			cur = &Case{Name: fields[1], Line: ln, T: []int64{}, V: []float64{}}
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
			if cur.Limit, err = units.ParseBytes(fields[1]); err != nil {
				return nil, fail("%v", err)
			}
		case "expect":
			for _, w := range fields[1:] {
				if w == "or" {
					continue
				}
				if !slices.Contains(ShapeNames, w) {
					return nil, fail("unknown shape %q", w)
				}
				cur.Want = append(cur.Want, w)
			}
		case "says":
			s := strings.TrimSpace(strings.TrimPrefix(line, "says"))
			if unq, err := strconv.Unquote(s); err == nil {
				s = unq
			}
			cur.Says = append(cur.Says, s)
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
func appendValues(c *Case, tok string, step time.Duration) error {
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
			c.T = append(c.T, Epoch+int64(c.pos)*step.Milliseconds())
			c.V = append(c.V, a+(b-a)*float64(k)/float64(count))
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
		c.T = append(c.T, Epoch+int64(c.pos)*step.Milliseconds())
		c.V = append(c.V, a+float64(k)*d)
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
func modify(c *Case, f []string) error {
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
		if err != nil || i < 0 || i >= len(c.V) {
			return 0, fmt.Errorf("%q: not a point of the %d", s, len(c.V))
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
			sorted := slices.Clone(c.V)
			slices.Sort(sorted)
			sd := p * sorted[len(sorted)/2]
			for i := range c.V {
				c.V[i] += sd * r.NormFloat64()
			}
			return nil
		}
		if f[0] == "jitter" {
			for i := range c.V {
				c.V[i] *= 1 + p*r.NormFloat64()
			}
			return nil
		}
		junk := []float64{math.NaN(), math.Inf(1), math.Inf(-1)}
		for i := range c.V {
			if r.Float64() < p {
				c.V[i] = junk[r.IntN(len(junk))]
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
		if c.V[i], err = parseValue(f[2]); err != nil {
			return err
		}
	case "negate":
		for _, s := range f[1:] {
			i, err := index(s)
			if err != nil {
				return err
			}
			c.V[i] = -c.V[i]
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
		n := float64(len(c.V))
		for i := int(from * n); i < int(to*n); i++ {
			c.V[i] = 0
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
			for i := 1; i+1 < len(c.T); i += k {
				c.T[i], c.T[i+1] = c.T[i+1], c.T[i]
				c.V[i], c.V[i+1] = c.V[i+1], c.V[i]
			}
			return nil
		}
		for i := len(c.T) - 1; i > 0; i -= k {
			c.T = slices.Insert(c.T, i+1, c.T[i])
			c.V = slices.Insert(c.V, i+1, c.V[i]*1.01)
		}
	case "shuffle":
		r, err := seed(1)
		if err != nil {
			return err
		}
		r.Shuffle(len(c.T), func(i, j int) {
			c.T[i], c.T[j] = c.T[j], c.T[i]
			c.V[i], c.V[j] = c.V[j], c.V[i]
		})
	case "twice":
		c.T = append(c.T, c.T...)
		c.V = append(c.V, c.V...)
	default:
		return fmt.Errorf("unknown line %q", f[0])
	}
	return nil
}
