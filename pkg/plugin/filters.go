package plugin

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/memshape/memory-datasource/pkg/models"
	"github.com/memshape/memory-datasource/pkg/upstream"
	"github.com/memshape/memory-datasource/pkg/upstream/datadog"
	prom "github.com/memshape/memory-datasource/pkg/upstream/prometheus"
)

// parseQuery is models.ParseQuery with the dashboard's ad hoc filters
// applied to the query and its limit query, before anything is fetched:
// label matchers on every series selector of a PromQL query, tag
// conditions in every scope of a Datadog query.
func (d *Datasource) parseQuery(raw json.RawMessage) (models.Query, error) {
	q, err := models.ParseQuery(raw)
	if err != nil || len(q.AdhocFilters) == 0 {
		return q, err
	}
	if q.Expr, err = d.applyFilters(q.Expr, q.AdhocFilters); err != nil {
		return q, err
	}
	if q.LimitExpr != "" {
		if q.LimitExpr, err = d.applyFilters(q.LimitExpr, q.AdhocFilters); err != nil {
			return q, fmt.Errorf("limit query: %w", err)
		}
	}
	return q, nil
}

// applyFilters narrows expr, written in the upstream's own language, by
// the filters.
func (d *Datasource) applyFilters(expr string, filters []models.AdhocFilter) (string, error) {
	if d.settings.Upstream == upstream.Datadog {
		tags, err := tagFilters(filters)
		if err != nil {
			return "", err
		}
		return datadog.AddScope(expr, tags)
	}
	ms, err := labelMatchers(filters)
	if err != nil {
		return "", err
	}
	return prom.AddMatchers(expr, maskMacros(expr), ms)
}

// labelMatchers are the filters as Prometheus label matchers; one of a
// list of values is a regex matcher of the values, each matched literally.
func labelMatchers(filters []models.AdhocFilter) ([]*labels.Matcher, error) {
	ms := make([]*labels.Matcher, 0, len(filters))
	for _, f := range filters {
		if err := f.Check(); err != nil {
			return nil, err
		}
		var t labels.MatchType
		value := f.Value
		switch f.Operator {
		case models.FilterEqual:
			t = labels.MatchEqual
		case models.FilterNotEqual:
			t = labels.MatchNotEqual
		case models.FilterRegex:
			t = labels.MatchRegexp
		case models.FilterNotRegex:
			t = labels.MatchNotRegexp
		case models.FilterOneOf, models.FilterNotOneOf:
			t = labels.MatchRegexp
			if f.Operator == models.FilterNotOneOf {
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

// tagFilters are the filters as Datadog scope conditions. Datadog scopes
// match values exactly or with * wildcards: there is no regular
// expression.
func tagFilters(filters []models.AdhocFilter) ([]datadog.TagFilter, error) {
	out := make([]datadog.TagFilter, 0, len(filters))
	for _, f := range filters {
		if err := f.Check(); err != nil {
			return nil, err
		}
		t := datadog.TagFilter{Key: f.Key, Values: []string{f.Value}}
		switch f.Operator {
		case models.FilterNotEqual:
			t.Not = true
		case models.FilterOneOf, models.FilterNotOneOf:
			t.Values, t.Not = f.OneOf(), f.Operator == models.FilterNotOneOf
		case models.FilterRegex, models.FilterNotRegex:
			return nil, fmt.Errorf("the ad hoc filter %s uses a regular expression, which Datadog scopes do not have: use = or != with * as a wildcard (e.g. web-*), or one of several values", f)
		}
		out = append(out, t)
	}
	return out, nil
}

// filterSelector is the filters as one Prometheus series selector for
// match[] ({a="b",c=~"d"}); "" without filters.
func filterSelector(filters []models.AdhocFilter) (string, error) {
	if len(filters) == 0 {
		return "", nil
	}
	ms, err := labelMatchers(filters)
	if err != nil {
		return "", err
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.String()
	}
	return "{" + strings.Join(parts, ",") + "}", nil
}
