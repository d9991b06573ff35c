package datadog

import (
	"strings"
	"testing"
)

func TestAddScopeNarrowsEveryMetricQuery(t *testing.T) {
	shop := TagFilter{Key: "kube_namespace", Values: []string{"shop"}}
	notCache := TagFilter{Key: "pod_name", Values: []string{"cache-*"}, Not: true}
	apiOrWeb := TagFilter{Key: "service", Values: []string{"api", "web"}}
	for _, c := range []struct {
		query   string
		filters []TagFilter
		want    string
	}{
		{`avg:system.mem.used{*} by {host}`, []TagFilter{shop}, `avg:system.mem.used{kube_namespace:shop} by {host}`},
		{`avg:system.mem.used{ * }`, []TagFilter{shop, notCache}, `avg:system.mem.used{kube_namespace:shop,!pod_name:cache-*}`},
		{`avg:m{env:prod} by {pod}`, []TagFilter{shop}, `avg:m{env:prod,kube_namespace:shop} by {pod}`},
		{`avg:m{env:prod OR env:stage}`, []TagFilter{shop}, `avg:m{(env:prod OR env:stage) AND kube_namespace:shop}`},
		{`avg:m{env:prod,!host:a}`, []TagFilter{apiOrWeb}, `avg:m{env:prod AND NOT host:a AND service IN (api, web)}`},
		{`avg:m{*}`, []TagFilter{{Key: "service", Values: []string{"a", "b"}, Not: true}}, `avg:m{service NOT IN (a, b)}`},
		{`avg:m{*}`, []TagFilter{{Key: "region", Values: []string{"eu"}, Not: true}, apiOrWeb}, `avg:m{NOT region:eu AND service IN (api, web)}`},
		// Every metric query, never a group; a rollup stays where it is.
		{
			`avg:a{*} by {pod}.rollup(avg, 60) / avg:b{env:prod} BY {pod}`,
			[]TagFilter{shop},
			`avg:a{kube_namespace:shop} by {pod}.rollup(avg, 60) / avg:b{env:prod,kube_namespace:shop} BY {pod}`,
		},
		{
			`top(avg:m{*} by {pod}, 10, 'max', 'desc')`,
			[]TagFilter{shop},
			`top(avg:m{kube_namespace:shop} by {pod}, 10, 'max', 'desc')`,
		},
		// A metric whose name ends in "by" still has a scope.
		{`avg:standby{*}`, []TagFilter{shop}, `avg:standby{kube_namespace:shop}`},
		// No filters: untouched.
		{`avg:m{*} by {pod}`, nil, `avg:m{*} by {pod}`},
	} {
		got, err := AddScope(c.query, c.filters)
		if err != nil || got != c.want {
			t.Errorf("AddScope(%q) = %q, %v; want %q", c.query, got, err, c.want)
		}
	}
}

func TestAddScopeRefusesWhatDatadogCannotRead(t *testing.T) {
	shop := TagFilter{Key: "kube_namespace", Values: []string{"shop"}}
	for _, c := range []struct {
		query   string
		filters []TagFilter
		want    string
	}{
		{`avg:m{*} by {pod`, []TagFilter{shop}, "braces of the query do not balance"},
		{`avg:m`, []TagFilter{shop}, "no scope"},
		{`avg:m{*}`, []TagFilter{{Key: "team name", Values: []string{"a"}}}, `"team name" is not a Datadog tag key`},
		{`avg:m{*}`, []TagFilter{{Key: "team", Values: []string{"a,b"}}}, `"a,b" is not a value`},
		{`avg:m{*}`, []TagFilter{{Key: "team"}}, "has no value"},
	} {
		_, err := AddScope(c.query, c.filters)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("AddScope(%q, %v): err %v, want one saying %q", c.query, c.filters, err, c.want)
		}
	}
}
