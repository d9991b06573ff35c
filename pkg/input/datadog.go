package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/DataDog/datadog-api-client-go/v2/api/datadogV1"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream/datadog"
)

// parseDatadog reads the body of a Datadog /api/v1/query response:
//
//	{"status":"ok","res_type":"time_series","series":[{"metric":"system.mem.used",
//	  "scope":"host:a,env:prod","tag_set":["host:a","env:prod"],
//	  "pointlist":[[1700000000000,123456.0],[1700000060000,null], ...], ...}], ...}
//
// (or a bare series array) with the official client's model, and converts
// it with datadog.ToSeries, the one home of that conversion (labels, nulls
// as NaN, units). What this adds is for files: errors that say where in the
// text the problem is, and Datadog's {"errors":[...]} error body.
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
	ss, err := datadog.ToSeries(resp)
	if errors.Is(err, datadog.ErrSchema) {
		// The generated model does not fail on a field of the wrong type:
		// decode the same fields with encoding/json to say what and where.
		return nil, fmt.Errorf("datadog: %w", datadogShapeError(trimmed))
	}
	var re *datadog.ResponseError
	if err != nil && !errors.As(err, &re) {
		return nil, fmt.Errorf("datadog: %w", err)
	}
	return ss, err
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
