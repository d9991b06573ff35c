package corpus

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/memshape/memory-datasource/pkg/shape"
)

func TestZZMine(t *testing.T) {
	cases := Generate(1, 150)
	r := Evaluate(cases, "memshape", func(c Case) shape.Shape { return shape.Classify(c.T, c.V, shape.Options{LimitBytes: c.Limit}).Shape })
	r.WriteText(os.Stdout)
}

func TestZZMineDump(t *testing.T) {
	if os.Getenv("MINE_DUMP") == "" {
		t.Skip()
	}
	for _, c := range Generate(1, 150) {
		f, _ := os.Create("/tmp/corpus/" + strings.ReplaceAll(c.Name, "/", "_") + ".csv")
		fmt.Fprintf(f, "# %s want=%s accept=%v window=%v step=%v limit=%g\n", c.Name, c.Want, c.Accept, c.Window, c.Step, c.Limit)
		for i := range c.T {
			fmt.Fprintf(f, "%d,%g\n", c.T[i], c.V[i])
		}
		f.Close()
	}
}

func TestZZMisses(t *testing.T) {
	want := os.Getenv("MISS_SCEN")
	if want == "" {
		t.Skip()
	}
	cases := Generate(1, 150)
	r := Evaluate(cases, "memshape", func(c Case) shape.Shape { return shape.Classify(c.T, c.V, shape.Options{LimitBytes: c.Limit}).Shape })
	var names []string
	for _, m := range r.Misses {
		if strings.HasPrefix(m.Name, want) {
			names = append(names, m.Name)
			fmt.Println(m.Name, m.Want, "->", m.Got)
		}
	}
	fmt.Println(strings.Join(names, ","))
}

func TestZZSeed(t *testing.T) {
	if os.Getenv("SEED") == "" {
		t.Skip()
	}
	var seed int64
	fmt.Sscan(os.Getenv("SEED"), &seed)
	cases := Generate(seed, 150)
	r := Evaluate(cases, "memshape", func(c Case) shape.Shape { return shape.Classify(c.T, c.V, shape.Options{LimitBytes: c.Limit}).Shape })
	r.WriteText(os.Stdout)
}
