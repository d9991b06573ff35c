package datadog

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/DataDog/datadog-api-client-go/v2/api/datadogV1"

	"github.com/memshape/memory-datasource/pkg/series"
)

// ErrSchema is returned (wrapped) by ToSeries when the generated model
// could not read part of the answer (a field of the wrong type).
var ErrSchema = errors.New("the answer does not match the /api/v1/query response schema")

// ResponseError is Datadog's own error inside an answer that otherwise
// arrived ({"status":"error","error":"…"}), e.g. a query that does not
// parse.
type ResponseError struct {
	Msg string
}

func (e *ResponseError) Error() string { return "datadog returned an error: " + e.Msg }

// ToSeries converts a /api/v1/query response into series. It is the one
// place a Datadog answer becomes series, for the data source and for files
// alike:
//
//   - labels: "__name__" is the series' metric; each tag of its tag_set
//     ("host:a", "env:prod" → host=a, env=prod) is one label; a tag without
//     ':' is a label with an empty value; a key given twice keeps both
//     values joined by ','. Without a tag_set the scope ("host:a,env:prod";
//     "*" means none) is read the same way.
//   - label sets are unique: series whose labels would collide (the same
//     metric and tags from two queries, e.g. "avg:m{*}, max:m{*}") get an
//     "expression" label with Datadog's expression for the series, and, if
//     that is not enough, "series_index" with their position.
//   - points: pointlist timestamps are Unix milliseconds already; a null
//     value becomes NaN so that gaps stay visible.
//   - values in a bytes unit other than the byte (Datadog reports
//     system.mem.* in mebibytes) are scaled to bytes by the unit's
//     scale_factor.
//
// A response with status "error" is a *ResponseError; a part the model
// could not read is ErrSchema; a malformed point is an error naming it.
func ToSeries(resp datadogV1.MetricsQueryResponse) ([]series.Series, error) {
	if resp.UnparsedObject != nil {
		return nil, ErrSchema
	}
	if resp.GetStatus() == "error" || resp.GetError() != "" {
		msg := resp.GetError()
		if msg == "" {
			msg = resp.GetMessage()
		}
		if msg == "" {
			msg = "(no message)"
		}
		return nil, &ResponseError{Msg: msg}
	}
	out := make([]series.Series, 0, len(resp.Series))
	for i, md := range resp.Series {
		if md.UnparsedObject != nil {
			return nil, fmt.Errorf("series[%d]: %w", i, ErrSchema)
		}
		scale := byteScale(md.Unit)
		s := series.Series{
			Labels: labels(md),
			T:      make([]int64, 0, len(md.Pointlist)),
			V:      make([]float64, 0, len(md.Pointlist)),
		}
		for j, p := range md.Pointlist {
			if len(p) < 2 || p[0] == nil {
				return nil, fmt.Errorf("series[%d].pointlist[%d]: want [<unix ms>, <value or null>], got %s", i, j, pointString(p))
			}
			ts := *p[0]
			if math.IsNaN(ts) || math.IsInf(ts, 0) || ts < -9.2e18 || ts > 9.2e18 {
				return nil, fmt.Errorf("series[%d].pointlist[%d]: timestamp %v is out of range", i, j, ts)
			}
			v := math.NaN()
			if p[1] != nil {
				v = *p[1] * scale
			}
			s.T = append(s.T, int64(ts))
			s.V = append(s.V, v)
		}
		out = append(out, s)
	}
	uniqueLabels(out, resp.Series)
	return out, nil
}

// labels builds the labels of one series (see ToSeries).
func labels(md datadogV1.MetricsQueryMetadata) map[string]string {
	ls := map[string]string{}
	tags := md.TagSet
	if tags == nil && md.Scope != nil && *md.Scope != "*" && *md.Scope != "" {
		tags = strings.Split(*md.Scope, ",")
	}
	for _, tag := range tags {
		tag = strings.TrimSpace(tag)
		if tag == "" {
			continue
		}
		k, v, _ := strings.Cut(tag, ":")
		if old, ok := ls[k]; ok && old != v {
			v = old + "," + v
		}
		ls[k] = v
	}
	if m := md.GetMetric(); m != "" {
		ls["__name__"] = m
	}
	return ls
}

// byteScale is the factor from the series' unit to bytes: the unit's
// scale_factor when its family is bytes, else 1.
func byteScale(units []datadogV1.MetricsQueryUnit) float64 {
	if len(units) == 0 || units[0].GetFamily() != "bytes" {
		return 1
	}
	f := units[0].GetScaleFactor()
	if f <= 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return 1
	}
	return f
}

// uniqueLabels makes the label sets of ss distinct (see ToSeries).
func uniqueLabels(ss []series.Series, md []datadogV1.MetricsQueryMetadata) {
	for _, add := range []func(i int) (string, string){
		func(i int) (string, string) { return "expression", md[i].GetExpression() },
		func(i int) (string, string) { return "series_index", strconv.Itoa(i) },
	} {
		groups := map[string][]int{}
		for i, s := range ss {
			k := series.Key(s.Labels)
			groups[k] = append(groups[k], i)
		}
		clash := false
		for _, idx := range groups {
			if len(idx) < 2 {
				continue
			}
			clash = true
			for _, i := range idx {
				k, v := add(i)
				if v == "" {
					continue
				}
				if _, taken := ss[i].Labels[k]; !taken {
					ss[i].Labels[k] = v
				}
			}
		}
		if !clash {
			return
		}
	}
}

func pointString(p []*float64) string {
	parts := make([]string, len(p))
	for i, v := range p {
		if v == nil {
			parts[i] = "null"
		} else {
			parts[i] = strconv.FormatFloat(*v, 'f', -1, 64)
		}
	}
	return "[" + strings.Join(parts, ",") + "]"
}
