package datadog

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/DataDog/datadog-api-client-go/v2/api/datadogV1"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

var _ upstream.AnswerReader = Upstream{}

// Answer is the body of /api/v1/query: "series", "pointlist", "res_type"
// and "from_date" are Datadog's own, as is the error body {"errors":
// [...]}; {"status":..,"error":..} without Prometheus' errorType is the
// weakest sign.
func (Upstream) Answer() upstream.Answer {
	return upstream.Answer{
		Describe: "a Datadog /api/v1/query JSON response",
		Markers: []upstream.Marker{
			{Keys: []string{"series"}, Rank: 3, Text: true},
			{Keys: []string{"pointlist"}, Rank: 3, Text: true},
			{Keys: []string{"res_type"}, Rank: 3},
			{Keys: []string{"from_date"}, Rank: 3},
			{Keys: []string{"errors"}, Rank: 3},
			{Keys: []string{"status", "error"}, Rank: 1},
		},
	}
}

// ReadAnswer reads the body of a Datadog /api/v1/query response:
//
//	{"status":"ok","res_type":"time_series","series":[{"metric":"system.mem.used",
//	  "scope":"host:a,env:prod","tag_set":["host:a","env:prod"],
//	  "pointlist":[[1700000000000,123456.0],[1700000060000,null], ...], ...}], ...}
//
// (or a bare series array) with the official client's model, and converts
// it with ToSeries, the one home of that conversion (labels, nulls as NaN,
// units). What this adds is for files: errors that say where in the text
// the problem is, and Datadog's {"errors":[...]} error body.
func (Upstream) ReadAnswer(body []byte) ([]series.Series, error) {
	if err := upstream.JSONCheck(body); err != nil {
		return nil, fmt.Errorf("datadog: %w", err)
	}
	doc := []byte(strings.TrimLeft(string(body), " \t\r\n"))
	if len(doc) > 0 && doc[0] == '[' {
		// A bare series array: wrap it so the one model reads both.
		doc = append(append([]byte(`{"series":`), doc...), '}')
	}
	if len(doc) == 0 || doc[0] != '{' {
		return nil, fmt.Errorf("datadog: expected a JSON object, got %s", upstream.Snippet(doc, 40))
	}

	// Datadog's API-level error body is {"errors": ["..."]}.
	var apiErr struct {
		Errors []string `json:"errors"`
	}
	if json.Unmarshal(doc, &apiErr) == nil && len(apiErr.Errors) > 0 {
		return nil, fmt.Errorf("datadog returned an error: %s", strings.Join(apiErr.Errors, "; "))
	}

	var resp datadogV1.MetricsQueryResponse
	if err := json.Unmarshal(doc, &resp); err != nil {
		return nil, fmt.Errorf("datadog: %w", upstream.JSONError(doc, err))
	}
	ss, err := ToSeries(resp)
	if errors.Is(err, ErrSchema) {
		// The generated model does not fail on a field of the wrong type:
		// decode the same fields with encoding/json to say what and where.
		return nil, fmt.Errorf("datadog: %w", shapeError(doc))
	}
	var re *ResponseError
	if err != nil && !errors.As(err, &re) {
		return nil, fmt.Errorf("datadog: %w", err)
	}
	return ss, err
}

// shapeError decodes the fields ToSeries reads with plain encoding/json,
// to report the type error the generated model swallowed.
func shapeError(b []byte) error {
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
		return upstream.JSONError(b, err)
	}
	return errors.New("response does not match the /api/v1/query response schema")
}
