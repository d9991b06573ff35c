package datadog

import (
	"fmt"

	"github.com/memshape/memory-datasource/pkg/upstream"
)

var (
	_ upstream.TagAPI   = (*Client)(nil)
	_ upstream.Filterer = (*Client)(nil)
)

// AddFilters adds the ad hoc filters as tag conditions to every scope of
// the metrics query expr (AddScope); Datadog reads no macro, so
// parseable is not needed.
func (c *Client) AddFilters(expr, _ string, filters []upstream.Filter) (string, error) {
	tags, err := TagFilters(filters)
	if err != nil {
		return "", err
	}
	return AddScope(expr, tags)
}

// TagFilters are the filters as scope conditions. Datadog scopes match
// values exactly or with * wildcards: there is no regular expression.
func TagFilters(filters []upstream.Filter) ([]TagFilter, error) {
	out := make([]TagFilter, 0, len(filters))
	for _, f := range filters {
		if err := f.Check(); err != nil {
			return nil, err
		}
		t := TagFilter{Key: f.Key, Values: []string{f.Value}}
		switch f.Operator {
		case upstream.FilterNotEqual:
			t.Not = true
		case upstream.FilterOneOf, upstream.FilterNotOneOf:
			t.Values, t.Not = f.OneOf(), f.Operator == upstream.FilterNotOneOf
		case upstream.FilterRegex, upstream.FilterNotRegex:
			return nil, fmt.Errorf("the ad hoc filter %s uses a regular expression, which Datadog scopes do not have: use = or != with * as a wildcard (e.g. web-*), or one of several values", f)
		}
		out = append(out, t)
	}
	return out, nil
}
