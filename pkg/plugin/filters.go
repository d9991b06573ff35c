package plugin

import (
	"encoding/json"
	"fmt"

	"github.com/memshape/memory-datasource/pkg/models"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

// parseQuery is models.ParseQuery with the dashboard's ad hoc filters
// applied to the query and its limit query, before anything is fetched,
// by the upstream (upstream.Filterer): label matchers on every series
// selector of a PromQL query, tag conditions in every scope of a Datadog
// query.
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
	f, ok := d.client.(upstream.Filterer)
	if !ok {
		return "", fmt.Errorf("%s data sources cannot apply ad hoc filters: remove the dashboard's ad hoc filters", d.settings.Upstream.Title())
	}
	return f.AddFilters(expr, maskMacros(expr), filters)
}
