package plugin

import (
	"context"
	"math"
	"time"

	"github.com/memshape/memory-datasource/pkg/models"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

// limitSet holds the memory limits a limit query gave, each with the
// labels of its series.
type limitSet struct {
	limits []limit
}

type limit struct {
	labels map[string]string
	bytes  float64
}

// limits runs the query's limit query (limitExpr), if it has one, over the
// hour (or ten steps) up to the memory series' last sample (last, ms) and
// keeps each limit series' latest value.
func (d *Datasource) limits(ctx context.Context, q models.Query, aq upstream.Query, last int64) (limitSet, error) {
	if q.LimitExpr == "" || last == 0 {
		return limitSet{}, nil
	}
	end := time.UnixMilli(last).UTC()
	// The last hour at least: limits are often scraped rarely.
	lq := upstream.Query{Expr: q.LimitExpr, Start: end.Add(-max(10*aq.Step, time.Hour)), End: end, Step: aq.Step, CacheKey: aq.CacheKey, MaxSeries: aq.MaxSeries, MaxPoints: aq.MaxPoints}
	lq.Expr = interpolate(lq.Expr, lq.Step, lq.Step, lq.End.Sub(lq.Start), d.settings.ScrapeInterval)
	res, err := d.fetch(ctx, "limit query", lq)
	if err != nil {
		return limitSet{}, err
	}
	var set limitSet
	for _, s := range res.Series {
		for i := len(s.V) - 1; i >= 0; i-- {
			if v := s.V[i]; v > 0 && !math.IsInf(v, 0) {
				set.limits = append(set.limits, limit{labels: s.Labels, bytes: v})
				break
			}
		}
	}
	return set, nil
}

// For finds the limit of a series with these labels: among the limit
// series whose labels agree with the series on every label both have
// (__name__ aside), the one sharing the most labels; the lowest limit on a
// tie. A limit series with no labels besides its name applies to every
// series.
func (s limitSet) For(labels map[string]string) (float64, bool) {
	best, bestShared := 0.0, -1
	for _, l := range s.limits {
		shared, agrees := 0, true
		for k, v := range l.labels {
			if k == "__name__" {
				continue
			}
			if w, ok := labels[k]; ok {
				if w != v {
					agrees = false
					break
				}
				shared++
			}
		}
		own := len(l.labels)
		if _, named := l.labels["__name__"]; named {
			own--
		}
		if !agrees || shared == 0 && own > 0 {
			continue
		}
		if shared > bestShared || shared == bestShared && l.bytes < best {
			best, bestShared = l.bytes, shared
		}
	}
	return best, bestShared >= 0
}
