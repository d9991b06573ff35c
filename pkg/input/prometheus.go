package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/prometheus/common/model"

	"github.com/memshape/memory-datasource/pkg/series"
)

// promResponse is the envelope of every Prometheus HTTP API response.
type promResponse struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Warnings  []string        `json:"warnings"`
}

// promData is the "data" object of a query or query_range response.
type promData struct {
	ResultType string          `json:"resultType"`
	Result     json.RawMessage `json:"result"`
}

// ReadPrometheus parses the body of a Prometheus /api/v1/query_range
// response:
//
//	{"status":"success","data":{"resultType":"matrix","result":[
//	  {"metric":{"__name__":"...", ...},"values":[[1700000000.123,"123456"], ...]}]}}
//
// The bare "data" object, the bare "result" array and a single bare
// {"metric":...,"values":...} stream are accepted too.
// Labels are the metric's labels, unchanged; timestamps (Unix seconds) are
// converted to milliseconds; values "NaN", "+Inf" and "-Inf" are kept as
// such. A status "error" body is returned as an error quoting its errorType
// and error; an instant-query result (vector, scalar, string) is an error
// that says to use query_range.
func ReadPrometheus(r io.Reader) ([]series.Series, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, err
	}
	return parsePrometheus(data)
}

func parsePrometheus(data []byte) ([]series.Series, error) {
	b := trimBOM(data)
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fmt.Errorf("%w: expected a Prometheus /api/v1/query_range JSON response", ErrEmpty)
	}
	if err := jsonCheck(b); err != nil {
		return nil, fmt.Errorf("prometheus: %w", err)
	}
	trimmed := bytes.TrimLeft(b, " \t\r\n")
	if trimmed[0] == '[' {
		return promMatrix(trimmed, "result")
	}
	if trimmed[0] != '{' {
		return nil, fmt.Errorf("prometheus: expected a JSON object, got %s", snippet(trimmed, 40))
	}

	var top map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &top); err != nil {
		return nil, fmt.Errorf("prometheus: %w", jsonError(trimmed, err))
	}
	_, hasValues := top["values"]
	_, hasData := top["data"]
	if hasValues && !hasData {
		// One bare stream: {"metric":{...},"values":[...]}.
		arr := make([]byte, 0, len(trimmed)+2)
		arr = append(append(append(arr, '['), trimmed...), ']')
		return promMatrix(arr, "result")
	}
	dataRaw := json.RawMessage(trimmed)
	path := ""
	if _, ok := top["resultType"]; !ok {
		// The full envelope.
		var resp promResponse
		if err := json.Unmarshal(trimmed, &resp); err != nil {
			return nil, fmt.Errorf("prometheus: %w", jsonError(trimmed, err))
		}
		if resp.Status == "error" {
			et, msg := resp.ErrorType, resp.Error
			if et == "" {
				et = "error"
			}
			if msg == "" {
				msg = "(no message)"
			}
			return nil, fmt.Errorf("prometheus returned an error: %s: %s", et, msg)
		}
		if resp.Status != "" && resp.Status != "success" {
			return nil, fmt.Errorf("prometheus: unexpected status %q (want \"success\")", resp.Status)
		}
		if len(resp.Data) == 0 || string(resp.Data) == "null" {
			return nil, errors.New("prometheus: response has no \"data\" object")
		}
		dataRaw, path = resp.Data, "data."
	}
	var d promData
	if err := json.Unmarshal(dataRaw, &d); err != nil {
		return nil, fmt.Errorf("prometheus: %s: %w", path+"data", jsonError(dataRaw, err))
	}
	switch d.ResultType {
	case "matrix":
	case "vector", "scalar", "string":
		return nil, fmt.Errorf("a range query result (matrix) is needed; got %s — use /api/v1/query_range", d.ResultType)
	case "":
		return nil, fmt.Errorf("prometheus: %sresultType is missing (want \"matrix\")", path)
	default:
		return nil, fmt.Errorf("prometheus: unknown resultType %q (want \"matrix\")", d.ResultType)
	}
	if len(d.Result) == 0 || string(d.Result) == "null" {
		return []series.Series{}, nil
	}
	return promMatrix(d.Result, path+"result")
}

// promMatrix decodes a result array with the model package and converts it.
func promMatrix(raw []byte, path string) ([]series.Series, error) {
	var m model.Matrix
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("prometheus: %w", locatePromError(raw, path, err))
	}
	out := make([]series.Series, 0, len(m))
	for _, ss := range m {
		if ss == nil {
			continue
		}
		labels := make(map[string]string, len(ss.Metric))
		for k, v := range ss.Metric {
			labels[string(k)] = string(v)
		}
		s := series.Series{
			Labels: labels,
			T:      make([]int64, len(ss.Values)),
			V:      make([]float64, len(ss.Values)),
		}
		for i, p := range ss.Values {
			s.T[i] = int64(p.Timestamp)
			s.V[i] = float64(p.Value)
		}
		out = append(out, s)
	}
	return out, nil
}

// locatePromError finds which stream and point made model.Matrix fail:
// errors from the model's own UnmarshalJSON methods carry no position.
func locatePromError(raw []byte, path string, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syn) || errors.As(err, &typ) {
		return jsonError(raw, err)
	}
	var streams []struct {
		Metric json.RawMessage   `json:"metric"`
		Values []json.RawMessage `json:"values"`
	}
	if e := json.Unmarshal(raw, &streams); e != nil {
		return fmt.Errorf("%s: %w", path, jsonError(raw, e))
	}
	for i, st := range streams {
		var m model.Metric
		if len(st.Metric) > 0 {
			if e := json.Unmarshal(st.Metric, &m); e != nil {
				return fmt.Errorf("%s[%d].metric: %v", path, i, e)
			}
		}
		for j, v := range st.Values {
			var p model.SamplePair
			if e := json.Unmarshal(v, &p); e != nil {
				return fmt.Errorf("%s[%d].values[%d] %s: %v (want [<unix seconds>, \"<value>\"])", path, i, j, snippet(v, 60), e)
			}
		}
	}
	return fmt.Errorf("%s: %v", path, err)
}
