package prometheus

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/memshape/memory-datasource/pkg/upstream"
)

var (
	_ upstream.LabelAPI       = (*Client)(nil)
	_ upstream.MetadataAPI    = (*Client)(nil)
	_ upstream.Filterer       = (*Client)(nil)
	_ upstream.FilterSelector = (*Client)(nil)
)

// AddFilters adds the ad hoc filters as label matchers to every series
// selector of expr (AddMatchers).
func (c *Client) AddFilters(expr, parseable string, filters []upstream.Filter) (string, error) {
	ms, err := LabelMatchers(filters)
	if err != nil {
		return "", err
	}
	return AddMatchers(expr, parseable, ms)
}

// FilterSelector is the filters as one series selector for match[]
// ({a="b",c=~"d"}); "" without filters.
func (c *Client) FilterSelector(filters []upstream.Filter) (string, error) {
	if len(filters) == 0 {
		return "", nil
	}
	ms, err := LabelMatchers(filters)
	if err != nil {
		return "", err
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.String()
	}
	return "{" + strings.Join(parts, ",") + "}", nil
}

// LabelMatchers are the filters as label matchers; one of a list of
// values is a regex matcher of the values, each matched literally.
func LabelMatchers(filters []upstream.Filter) ([]*labels.Matcher, error) {
	ms := make([]*labels.Matcher, 0, len(filters))
	for _, f := range filters {
		if err := f.Check(); err != nil {
			return nil, err
		}
		var t labels.MatchType
		value := f.Value
		switch f.Operator {
		case upstream.FilterEqual:
			t = labels.MatchEqual
		case upstream.FilterNotEqual:
			t = labels.MatchNotEqual
		case upstream.FilterRegex:
			t = labels.MatchRegexp
		case upstream.FilterNotRegex:
			t = labels.MatchNotRegexp
		case upstream.FilterOneOf, upstream.FilterNotOneOf:
			t = labels.MatchRegexp
			if f.Operator == upstream.FilterNotOneOf {
				t = labels.MatchNotRegexp
			}
			quoted := make([]string, 0, len(f.OneOf()))
			for _, v := range f.OneOf() {
				quoted = append(quoted, regexp.QuoteMeta(v))
			}
			value = strings.Join(quoted, "|")
		}
		m, err := labels.NewMatcher(t, f.Key, value)
		if err != nil {
			return nil, fmt.Errorf("the ad hoc filter %s is not a label matcher Prometheus accepts: %v", f, err)
		}
		ms = append(ms, m)
	}
	return ms, nil
}
