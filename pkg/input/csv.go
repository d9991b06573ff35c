package input

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/memshape/memory-datasource/pkg/series"
)

// ReadCSV parses comma-separated rows timestamp,value[,series]:
//
//	timestamp,value,series
//	1700000000,524288000,api-1
//	2023-11-14T22:14:20Z,524300000,api-1
//
// The header row is optional (a first row whose timestamp is not a time is
// taken for one). A timestamp is Unix seconds (fractions allowed), Unix
// milliseconds (any number above 1e11) or RFC 3339. A value is a float;
// "NaN", "+Inf" and "-Inf" are accepted and an empty value is a gap (NaN).
// The optional third column groups rows into series, each labelled
// series=<that column>; rows without it form one series with no labels.
// Series come out in the order they first appear. Lines starting with '#'
// are comments. Errors name the line and the bad field.
func ReadCSV(r io.Reader) ([]series.Series, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, err
	}
	return parseCSV(data)
}

func parseCSV(data []byte) ([]series.Series, error) {
	b := trimBOM(data)
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fmt.Errorf("%w: expected CSV with columns timestamp,value[,series]", ErrEmpty)
	}
	cr := csv.NewReader(bytes.NewReader(b))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	cr.ReuseRecord = true

	var (
		out   []series.Series
		index = map[string]int{} // series column -> position in out
		first = true
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("csv: line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
			}
			return nil, fmt.Errorf("csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a line of spaces
		}
		if len(rec) < 2 || len(rec) > 3 {
			return nil, fmt.Errorf("line %d: want 2 or 3 columns (timestamp,value[,series]), got %d: %s",
				line, len(rec), snippet([]byte(strings.Join(rec, ",")), 60))
		}
		tsField := strings.TrimSpace(rec[0])
		ts, tsErr := parseTimestamp(tsField)
		if first {
			first = false
			if tsErr != nil && looksLikeHeader(tsField) {
				continue
			}
		}
		if tsErr != nil {
			return nil, fmt.Errorf("line %d: timestamp %q %v", line, tsField, tsErr)
		}
		valField := strings.TrimSpace(rec[1])
		v := math.NaN()
		if valField != "" {
			f, err := strconv.ParseFloat(valField, 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return nil, fmt.Errorf("line %d: value %q is not a number", line, valField)
			}
			v = f // out of range parses to ±Inf, which the classifier drops
		}
		name, named := "", len(rec) == 3
		if named {
			name = strings.TrimSpace(rec[2])
		}
		key := name
		if !named {
			key = "\x00" // unnamed rows never share a series with a named one
		}
		i, ok := index[key]
		if !ok {
			labels := map[string]string{}
			if named {
				labels["series"] = name
			}
			i = len(out)
			index[key] = i
			out = append(out, series.Series{Labels: labels})
		}
		out[i].T = append(out[i].T, ts)
		out[i].V = append(out[i].V, v)
	}
	if out == nil {
		out = []series.Series{}
	}
	return out, nil
}

// msThreshold separates Unix seconds from Unix milliseconds: 1e11 seconds
// is the year 5138, 1e11 milliseconds is March 1973.
const msThreshold = 1e11

// parseTimestamp reads Unix seconds, Unix milliseconds or RFC 3339 and
// returns Unix milliseconds.
func parseTimestamp(s string) (int64, error) {
	if s == "" {
		return 0, errors.New("is empty")
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, errors.New("is not a time")
		}
		ms := f
		if math.Abs(f) <= msThreshold {
			ms = f * 1000
		}
		ms = math.Round(ms)
		if ms < -9.2e18 || ms > 9.2e18 {
			return 0, errors.New("is out of range")
		}
		return int64(ms), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, errors.New("is not Unix seconds, Unix milliseconds or an RFC 3339 time")
	}
	return t.UnixMilli(), nil
}

// looksLikeHeader: a first field with a letter in it that is not a time.
func looksLikeHeader(s string) bool {
	return strings.IndexFunc(s, unicode.IsLetter) >= 0
}
