package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/DataDog/datadog-api-client-go/v2/api/datadogV1"

	"github.com/memshape/memory-datasource/pkg/series"
)

// ReadDatadog parses the body of a Datadog /api/v1/query response:
//
//	{"status":"ok","res_type":"time_series","series":[{"metric":"system.mem.used",
//	  "scope":"host:a,env:prod","tag_set":["host:a","env:prod"],
//	  "pointlist":[[1700000000000,123456.0],[1700000060000,null], ...], ...}], ...}
//
// Each series' labels are "__name__" = its metric, plus one label per tag:
// "k:v" gives k=v, a tag without ':' gives the tag as key with an empty
// value, and a key that appears twice keeps its values joined by ",".
// When tag_set is absent the scope ("host:a,env:prod") is read the same
// way ("*" means no tags). Pointlist timestamps are already Unix
// milliseconds; null values become NaN so that gaps stay visible. A body
// with status "error" or Datadog's {"errors":[...]} shape is an error.
func ReadDatadog(r io.Reader) ([]series.Series, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, err
	}
	return parseDatadog(data)
}

func parseDatadog(data []byte) ([]series.Series, error) {
	b := trimBOM(data)
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fmt.Errorf("%w: expected a Datadog /api/v1/query JSON response", ErrEmpty)
	}
	if err := jsonCheck(b); err != nil {
		return nil, fmt.Errorf("datadog: %w", err)
	}
	trimmed := bytes.TrimLeft(b, " \t\r\n")
	if trimmed[0] == '[' {
		// A bare series array: wrap it so the one model reads both.
		wrapped := make([]byte, 0, len(trimmed)+12)
		wrapped = append(wrapped, `{"series":`...)
		wrapped = append(wrapped, trimmed...)
		wrapped = append(wrapped, '}')
		trimmed = wrapped
	}
	if trimmed[0] != '{' {
		return nil, fmt.Errorf("datadog: expected a JSON object, got %s", snippet(trimmed, 40))
	}

	// Datadog's API-level error body is {"errors": ["..."]}.
	var apiErr struct {
		Errors []string `json:"errors"`
	}
	if json.Unmarshal(trimmed, &apiErr) == nil && len(apiErr.Errors) > 0 {
		return nil, fmt.Errorf("datadog returned an error: %s", strings.Join(apiErr.Errors, "; "))
	}

	var resp datadogV1.MetricsQueryResponse
	if err := json.Unmarshal(trimmed, &resp); err != nil {
		return nil, fmt.Errorf("datadog: %w", jsonError(trimmed, err))
	}
	// The generated model does not fail on a field of the wrong type: it
	// keeps the raw object in UnparsedObject. Decode the same fields with
	// encoding/json to say what and where.
	if resp.UnparsedObject != nil {
		return nil, fmt.Errorf("datadog: %w", datadogShapeError(trimmed))
	}
	if st := resp.GetStatus(); st == "error" || resp.Error != nil && *resp.Error != "" {
		msg := resp.GetError()
		if msg == "" {
			msg = resp.GetMessage()
		}
		if msg == "" {
			msg = "(no message)"
		}
		return nil, fmt.Errorf("datadog returned an error: %s", msg)
	}

	out := make([]series.Series, 0, len(resp.Series))
	for i, md := range resp.Series {
		if md.UnparsedObject != nil {
			return nil, fmt.Errorf("datadog: %w", datadogShapeError(trimmed))
		}
		s := series.Series{
			Labels: datadogLabels(md),
			T:      make([]int64, 0, len(md.Pointlist)),
			V:      make([]float64, 0, len(md.Pointlist)),
		}
		for j, p := range md.Pointlist {
			if len(p) < 2 || p[0] == nil {
				return nil, fmt.Errorf("datadog: series[%d].pointlist[%d]: want [<unix ms>, <value or null>], got %s", i, j, pointString(p))
			}
			ts := *p[0]
			if math.IsNaN(ts) || math.IsInf(ts, 0) || ts < -9.2e18 || ts > 9.2e18 {
				return nil, fmt.Errorf("datadog: series[%d].pointlist[%d]: timestamp %v is out of range", i, j, ts)
			}
			v := math.NaN()
			if p[1] != nil {
				v = *p[1]
			}
			s.T = append(s.T, int64(ts))
			s.V = append(s.V, v)
		}
		out = append(out, s)
	}
	return out, nil
}

// datadogLabels builds the labels of one Datadog series (see ReadDatadog).
func datadogLabels(md datadogV1.MetricsQueryMetadata) map[string]string {
	labels := map[string]string{}
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
		if old, ok := labels[k]; ok && old != v {
			v = old + "," + v
		}
		labels[k] = v
	}
	if m := md.GetMetric(); m != "" {
		labels["__name__"] = m
	}
	return labels
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

// datadogShapeError decodes the fields this package uses with plain
// encoding/json, to report the type error the generated model swallowed.
func datadogShapeError(b []byte) error {
	var shadow struct {
		Status *string `json:"status"`
		Error  *string `json:"error"`
		Series []struct {
			Metric    *string      `json:"metric"`
			Scope     *string      `json:"scope"`
			TagSet    []string     `json:"tag_set"`
			Pointlist [][]*float64 `json:"pointlist"`
			Unit      []*struct {
				Family      *string  `json:"family"`
				Name        *string  `json:"name"`
				Plural      *string  `json:"plural"`
				ScaleFactor *float64 `json:"scale_factor"`
				ShortName   *string  `json:"short_name"`
			} `json:"unit"`
			Start      *int64  `json:"start"`
			End        *int64  `json:"end"`
			Interval   *int64  `json:"interval"`
			Length     *int64  `json:"length"`
			Expression *string `json:"expression"`
		} `json:"series"`
		FromDate *int64   `json:"from_date"`
		ToDate   *int64   `json:"to_date"`
		GroupBy  []string `json:"group_by"`
		Query    *string  `json:"query"`
		ResType  *string  `json:"res_type"`
		Message  *string  `json:"message"`
	}
	if err := json.Unmarshal(b, &shadow); err != nil {
		return jsonError(b, err)
	}
	return errors.New("response does not match the /api/v1/query response schema")
}
