// Package input reads memory series from the bodies people already have to
// hand: a Prometheus /api/v1/query_range response, a Datadog /api/v1/query
// response, or a CSV file (including Grafana's panel export). Read sniffs
// which one it was given.
//
// Series come back with T in Unix milliseconds and V as given: NaN, ±Inf,
// gaps, unsorted and repeated timestamps are kept for the classifier to
// clean, so that gaps stay visible. Zero series is not an error; callers
// decide what "nothing" means to them.
package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/memshape/memory-datasource/pkg/series"
)

// accepted names the formats Read understands, for error messages.
const accepted = "a Prometheus /api/v1/query_range JSON response, " +
	"a Datadog /api/v1/query JSON response, " +
	"or CSV with columns timestamp,value[,series] or Grafana's panel CSV export"

// ErrEmpty is returned (wrapped) by Read for input with nothing but white
// space in it.
var ErrEmpty = errors.New("empty input")

// Format is the kind of body Read detected.
type Format string

// The formats Read understands.
const (
	Prometheus Format = "prometheus"
	Datadog    Format = "datadog"
	CSV        Format = "csv"
)

// Result is what Read found.
type Result struct {
	Series []series.Series
	// Format is the format detected.
	Format Format
	// Warnings name what was skipped and where (CSV: a bad cell skips its
	// point, a bad row the row), e.g. `line 12: value "abc" is not a
	// number; point skipped`.
	Warnings []string
}

// Read reads all of r, works out which format it is and parses it. JSON
// (first non-space byte '{' or '[') is Prometheus when it mentions "data",
// "resultType" or "values", Datadog when it mentions "series" or
// "pointlist"; anything else is read as CSV. On error the Result is empty.
func Read(r io.Reader) (Result, error) {
	data, err := readAll(r)
	if err != nil {
		return Result{}, err
	}
	f, err := sniff(data)
	if err != nil {
		return Result{}, err
	}
	res := Result{Format: f}
	switch f {
	case Prometheus:
		res.Series, err = parsePrometheus(data)
	case Datadog:
		res.Series, err = parseDatadog(data)
	default:
		res.Series, res.Warnings, err = parseCSV(data)
	}
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// sniff says which format data is in, without parsing it fully.
func sniff(data []byte) (Format, error) {
	body := trimBOM(data)
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		if len(data) == 0 {
			return "", fmt.Errorf("%w: expected %s", ErrEmpty, accepted)
		}
		return "", fmt.Errorf("%w (only white space): expected %s", ErrEmpty, accepted)
	}
	switch trimmed[0] {
	case '{', '[':
	default:
		if !isText(trimmed) {
			return "", fmt.Errorf("input is not text (binary data?): expected %s", accepted)
		}
		return CSV, nil
	}
	if f := sniffJSON(trimmed); f != "" {
		return f, nil
	}
	// JSON that names neither: say what is wrong with it if it is broken,
	// and what was expected if it is not.
	if err := jsonCheck(trimmed); err != nil {
		return "", fmt.Errorf("input looks like JSON but is malformed: %w; expected %s", err, accepted)
	}
	return "", fmt.Errorf("JSON input is neither a Prometheus query_range response (no \"data\", \"resultType\" or \"values\") "+
		"nor a Datadog query response (no \"series\" or \"pointlist\"): expected %s", accepted)
}

// sniffJSON decides from the keys present. It looks at the top-level keys
// when the document parses, and falls back to searching the text for the
// marker keys when it does not (so that a truncated Prometheus body gets a
// Prometheus error with a position, not a generic one).
func sniffJSON(b []byte) Format {
	if b[0] == '{' {
		var top map[string]json.RawMessage
		if json.Unmarshal(b, &top) == nil {
			return sniffKeys(top)
		}
	} else {
		var arr []map[string]json.RawMessage
		if json.Unmarshal(b, &arr) == nil {
			if len(arr) == 0 {
				// A bare empty result array: zero series.
				return Prometheus
			}
			return sniffKeys(arr[0])
		}
	}
	switch {
	case bytes.Contains(b, []byte(`"resultType"`)), bytes.Contains(b, []byte(`"data"`)):
		return Prometheus
	case bytes.Contains(b, []byte(`"pointlist"`)), bytes.Contains(b, []byte(`"series"`)):
		return Datadog
	case bytes.Contains(b, []byte(`"values"`)):
		return Prometheus
	}
	return ""
}

func sniffKeys(m map[string]json.RawMessage) Format {
	has := func(k string) bool { _, ok := m[k]; return ok }
	switch {
	case has("data"), has("resultType"), has("errorType"):
		return Prometheus
	// Datadog bodies carry top-level "values" and "times" too, so its own
	// keys are looked for before Prometheus' "values".
	case has("series"), has("pointlist"), has("res_type"), has("from_date"):
		return Datadog
	case has("errors"):
		// Datadog's API error body: {"errors": ["..."]}.
		return Datadog
	case has("values"), has("metric") && has("histograms"):
		return Prometheus
	case has("status") && has("error"):
		// An error body with no other marker: Prometheus always sends
		// errorType, so this is the Datadog shape.
		return Datadog
	}
	return ""
}

func trimBOM(b []byte) []byte {
	return bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
}

// isText reports whether the first bytes look like text: no NUL bytes and
// few control characters.
func isText(b []byte) bool {
	if len(b) > 512 {
		b = b[:512]
	}
	ctl := 0
	for _, c := range b {
		if c == 0 {
			return false
		}
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			ctl++
		}
	}
	return ctl*10 <= len(b)
}

// jsonCheck returns nil for well-formed JSON and otherwise an error that
// gives the line, column and byte offset of the problem.
func jsonCheck(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return jsonError(b, err)
	}
	return nil
}

// jsonError turns an encoding/json error into one that says where in the
// input the problem is.
func jsonError(b []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off := syn.Offset
		if strings.HasPrefix(syn.Error(), "invalid character") {
			off-- // Offset counts the bad character itself
		}
		return fmt.Errorf("malformed JSON at %s: %s", position(b, off), syn.Error())
	case errors.As(err, &typ):
		field := ""
		if typ.Field != "" {
			field = " in field " + typ.Field
		}
		return fmt.Errorf("unexpected JSON %s%s at %s (want %s)", typ.Value, field, position(b, typ.Offset), typ.Type)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("malformed JSON at %s: unexpected end of input", position(b, int64(len(b))))
	}
	return err
}

// position renders a byte offset as "line L, column C (byte N)".
func position(b []byte, off int64) string {
	if off < 0 {
		off = 0
	}
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	before := b[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return fmt.Sprintf("line %d, column %d (byte %d)", line, col, off)
}

// readAll is io.ReadAll with the error worded for these readers.
func readAll(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading input: %w", err)
	}
	return data, nil
}

// snippet quotes at most n bytes of b for an error message.
func snippet(b []byte, n int) string {
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
