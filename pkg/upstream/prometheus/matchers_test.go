package prometheus

import (
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

func TestAddMatchersToEverySelector(t *testing.T) {
	shop := labels.MustNewMatcher(labels.MatchEqual, "namespace", "shop")
	notCache := labels.MustNewMatcher(labels.MatchNotRegexp, "pod", "cache-.*")
	for _, c := range []struct{ expr, want string }{
		{`foo`, `foo{namespace="shop"}`},
		{`foo{a="b"}`, `foo{a="b", namespace="shop"}`},
		{`foo{}`, `foo{namespace="shop"}`},
		{`foo{a="b",}`, `foo{a="b",namespace="shop"}`},
		{`foo {a="b"}`, `foo {a="b", namespace="shop"}`},
		{`{__name__=~"a|b"}`, `{__name__=~"a|b", namespace="shop"}`},
		{`rate(foo[5m])`, `rate(foo{namespace="shop"}[5m])`},
		{`max_over_time(foo{a="}"}[1h:5m])`, `max_over_time(foo{a="}", namespace="shop"}[1h:5m])`},
		{`foo offset 5m`, `foo{namespace="shop"} offset 5m`},
		{`foo @ 1700000000`, `foo{namespace="shop"} @ 1700000000`},
		{
			`sum by (pod) (rate(a{x='}'}[5m] offset 1h)) / on (pod) group_left b`,
			`sum by (pod) (rate(a{x='}', namespace="shop"}[5m] offset 1h)) / on (pod) group_left b{namespace="shop"}`,
		},
		{`topk(scalar(a), b)`, `topk(scalar(a{namespace="shop"}), b{namespace="shop"})`},
		{
			`label_replace(foo, "dst", "$1", "src", "(.*)}")`,
			`label_replace(foo{namespace="shop"}, "dst", "$1", "src", "(.*)}")`,
		},
		{"histogram_quantile(0.9,\n  sum by (le) (rate(x_bucket[5m])))", "histogram_quantile(0.9,\n  sum by (le) (rate(x_bucket{namespace=\"shop\"}[5m])))"},
		// Already there: not twice.
		{`foo{namespace="shop"}`, `foo{namespace="shop"}`},
		{`foo{namespace="shop"} - bar`, `foo{namespace="shop"} - bar{namespace="shop"}`},
		// No selector at all.
		{`vector(1)`, `vector(1)`},
	} {
		got, err := AddMatchers(c.expr, c.expr, []*labels.Matcher{shop})
		if err != nil || got != c.want {
			t.Errorf("AddMatchers(%q) = %q, %v; want %q", c.expr, got, err, c.want)
			continue
		}
		// What comes out is PromQL with the matcher on every selector.
		checkEverySelector(t, got, shop)
	}

	got, err := AddMatchers(`rate(foo[5m])`, `rate(foo[5m])`, []*labels.Matcher{shop, notCache})
	if want := `rate(foo{namespace="shop", pod!~"cache-.*"}[5m])`; err != nil || got != want {
		t.Errorf("two matchers: %q, %v; want %q", got, err, want)
	}
}

// The positions come from the stand-in; the text from the query.
func TestAddMatchersKeepsWhatTheParserCannotRead(t *testing.T) {
	expr := `rate(foo{a="b"}[$__rate_interval]) * $__range_s`
	parseable := `rate(foo{a="b"}[000000000000001s]) * 0000000001`
	if len(expr) != len(parseable) {
		t.Fatal("the stand-in must have the query's length")
	}
	shop := labels.MustNewMatcher(labels.MatchEqual, "namespace", "shop")
	got, err := AddMatchers(expr, parseable, []*labels.Matcher{shop})
	if want := `rate(foo{a="b", namespace="shop"}[$__rate_interval]) * $__range_s`; err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	if _, err := AddMatchers(expr, expr, []*labels.Matcher{shop}); err == nil || !strings.Contains(err.Error(), "not PromQL") {
		t.Errorf("unparseable query: err %v, want one naming the parser's complaint", err)
	}
	if got, err := AddMatchers(expr, expr, nil); err != nil || got != expr {
		t.Errorf("no matchers: %q, %v; want the query untouched, unparsed", got, err)
	}
}

func checkEverySelector(t *testing.T, expr string, m *labels.Matcher) {
	t.Helper()
	root, err := parser.ParseExpr(expr)
	if err != nil {
		t.Errorf("%q does not parse: %v", expr, err)
		return
	}
	parser.Inspect(root, func(node parser.Node, _ []parser.Node) error {
		if vs, ok := node.(*parser.VectorSelector); ok && !hasMatcher(vs.LabelMatchers, m) {
			t.Errorf("%q: the selector %s lacks %s", expr, vs, m)
		}
		return nil
	})
}
