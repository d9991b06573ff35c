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
	"github.com/memshape/memory-datasource/pkg/units"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

// parseCSV reads CSV in either of two layouts.
//
// Long: rows timestamp,value[,series], the optional third column naming the
// series (labelled series=<name>; rows without it form one series with no
// labels):
//
//	timestamp,value,series
//	1700000000,524288000,api-1
//	2023-11-14T22:14:20Z,524300000,api-1
//
// Wide, as Grafana's panel "Download CSV" writes it: a time column, then
// one column per series, named by the header (labelled series=<name>; a
// single column named value, bytes or the like gets no label):
//
//	"Time","api-7","api-8"
//	2025-11-29 00:00:00,524288000,612000000
//
// A file is long when it has three columns and the third is headed
// "series" or holds names, wide otherwise. The header row is optional; Grafana's "sep=;" first line sets
// the delimiter, which is otherwise ',', or ';' or a tab when the first
// line has no ','. Several blocks, each starting with its header after a
// blank line (Grafana's export of several frames), are read one after the
// other. Lines starting with '#' are comments.
//
// A timestamp is Unix seconds (fractions allowed), Unix milliseconds (any
// number above 1e11), RFC 3339, or Grafana's "2025-11-29 00:00:00" (with
// optional fraction and offset; UTC when no offset is given). A value is a
// number, or a byte size as Grafana's formatted export writes it ("1.50
// GiB"); "NaN", "+Inf" and "-Inf" are kept, and an empty value or "null" is
// a gap (NaN).
//
// A bad cell does not stop the file: a bad value skips that point, a bad
// timestamp or a row with the wrong number of columns skips the row, each
// with a warning naming the line. Only a file CSV cannot read at all (a
// stray quote) or with fewer than two columns is an error.
func parseCSV(data []byte) ([]series.Series, []string, error) {
	b := trimBOM(data)
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, nil, fmt.Errorf("%w: expected CSV with columns timestamp,value[,series]", ErrEmpty)
	}
	b, comma, lineOffset := delimiter(b)
	cr := csv.NewReader(bytes.NewReader(b))
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'

	var blocks []*csvBlock
	prevLine := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, fmt.Errorf("csv: line %d, column %d: %v", pe.Line+lineOffset, pe.Column, pe.Err)
			}
			return nil, nil, fmt.Errorf("csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		afterBreak := line > prevLine+1 // a blank or comment line before
		prevLine = line
		line += lineOffset
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a line of spaces
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if (len(blocks) == 0 || afterBreak) && isHeader(rec) {
			blocks = append(blocks, &csvBlock{header: rec, line: line})
			continue
		}
		if len(blocks) == 0 {
			blocks = append(blocks, &csvBlock{line: line})
		}
		blk := blocks[len(blocks)-1]
		blk.rows = append(blk.rows, csvRow{line: line, fields: rec})
	}

	r := csvReader{index: map[string]int{}}
	for _, blk := range blocks {
		if err := r.block(blk); err != nil {
			return nil, nil, err
		}
	}
	// A column or name with no readable point is no series.
	out := make([]series.Series, 0, len(r.out))
	for _, s := range r.out {
		if s.Len() > 0 {
			out = append(out, s)
		}
	}
	r.out = out
	if r.dropped > 0 {
		r.warnings = append(r.warnings, fmt.Sprintf("%d more lines with problems like these", r.dropped))
	}
	return r.out, r.warnings, nil
}

type csvRow struct {
	line   int
	fields []string
}

type csvBlock struct {
	header []string // nil without a header row
	line   int      // of the header, or of the first row
	rows   []csvRow
}

// maxCSVWarnings bounds the warnings kept for one file; the rest are
// counted.
const maxCSVWarnings = 100

type csvReader struct {
	out      []series.Series
	index    map[string]int // label key → position in out
	warnings []string
	dropped  int
}

func (r *csvReader) warnf(line int, format string, a ...any) {
	if len(r.warnings) >= maxCSVWarnings {
		r.dropped++
		return
	}
	r.warnings = append(r.warnings, fmt.Sprintf("line %d: ", line)+fmt.Sprintf(format, a...))
}

// seriesFor returns the position in r.out of the series with labels ls,
// adding it when new.
func (r *csvReader) seriesFor(ls map[string]string) int {
	key := "\x00"
	if name, ok := ls["series"]; ok {
		key = name
	}
	i, ok := r.index[key]
	if !ok {
		i = len(r.out)
		r.index[key] = i
		r.out = append(r.out, series.Series{Labels: ls})
	}
	return i
}

func (r *csvReader) add(i int, t int64, v float64) {
	r.out[i].T = append(r.out[i].T, t)
	r.out[i].V = append(r.out[i].V, v)
}

func (r *csvReader) block(blk *csvBlock) error {
	ncols := len(blk.header)
	if blk.header == nil {
		if len(blk.rows) == 0 {
			return nil
		}
		ncols = len(blk.rows[0].fields)
	}
	if ncols < 2 {
		return fmt.Errorf("line %d: want 2 or more columns (a time, then values), got %d: %s", blk.line, ncols, upstream.Snippet([]byte(strings.Join(blk.header, ",")), 60))
	}
	if ncols == 3 && (blk.header != nil && strings.EqualFold(blk.header[2], "series") || namesInThird(blk.rows)) {
		r.long(blk)
		return nil
	}
	r.wide(blk, ncols)
	return nil
}

// long reads timestamp,value[,series] rows.
func (r *csvReader) long(blk *csvBlock) {
	for _, row := range blk.rows {
		f := row.fields
		if len(f) != 2 && len(f) != 3 {
			r.warnf(row.line, "want 2 or 3 columns (timestamp,value[,series]), got %d; row skipped", len(f))
			continue
		}
		ts, ok := r.timestamp(row)
		if !ok {
			continue
		}
		v, ok := r.value(row.line, f[1])
		if !ok {
			continue
		}
		ls := map[string]string{}
		if len(f) == 3 {
			ls["series"] = f[2]
		}
		r.add(r.seriesFor(ls), ts, v)
	}
}

// wide reads a time column and one column per series.
func (r *csvReader) wide(blk *csvBlock, ncols int) {
	cols := make([]int, ncols) // column → position in r.out
	for c := 1; c < ncols; c++ {
		ls := map[string]string{}
		switch {
		case blk.header != nil && !(ncols == 2 && genericName(blk.header[c])):
			ls["series"] = blk.header[c]
		case blk.header == nil && ncols > 2:
			ls["series"] = fmt.Sprintf("column %d", c+1)
		}
		cols[c] = r.seriesFor(ls)
	}
	for _, row := range blk.rows {
		if len(row.fields) != ncols {
			what := "the first row"
			if blk.header != nil {
				what = "the header"
			}
			r.warnf(row.line, "%d columns where %s has %d; row skipped", len(row.fields), what, ncols)
			continue
		}
		ts, ok := r.timestamp(row)
		if !ok {
			continue
		}
		for c := 1; c < ncols; c++ {
			if v, ok := r.value(row.line, row.fields[c]); ok {
				r.add(cols[c], ts, v)
			}
		}
	}
}

func (r *csvReader) timestamp(row csvRow) (int64, bool) {
	ts, err := parseTimestamp(row.fields[0])
	if err != nil {
		r.warnf(row.line, "timestamp %q %v; row skipped", row.fields[0], err)
		return 0, false
	}
	return ts, true
}

func (r *csvReader) value(line int, s string) (float64, bool) {
	v, ok := parseValue(s)
	if !ok {
		r.warnf(line, "value %q is not a number; point skipped", s)
	}
	return v, ok
}

// parseValue reads a number, a byte size ("1.50 GiB"), or a gap ("",
// "null": NaN). Out-of-range numbers are ±Inf, which the classifier drops.
func parseValue(s string) (float64, bool) {
	if s == "" || strings.EqualFold(s, "null") {
		return math.NaN(), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err == nil || errors.Is(err, strconv.ErrRange) {
		return f, true
	}
	if b, err := units.ParseBytes(s); err == nil {
		return b, true
	}
	return 0, false
}

// namesInThird reports whether the third column holds series names rather
// than values: most of its non-empty cells are not numbers.
func namesInThird(rows []csvRow) bool {
	names, values := 0, 0
	for _, row := range rows {
		if len(row.fields) != 3 || row.fields[2] == "" {
			continue
		}
		if _, ok := parseValue(row.fields[2]); ok {
			values++
		} else {
			names++
		}
	}
	return names > values
}

// genericName reports whether a value column's header says nothing about
// the series ("Value", "bytes").
func genericName(s string) bool {
	switch strings.ToLower(s) {
	case "", "value", "values", "val", "bytes", "memory", "mem", "y":
		return true
	}
	return false
}

// isHeader: a first field with a letter in it that is not a time, and no
// field that is a number.
func isHeader(rec []string) bool {
	if _, err := parseTimestamp(rec[0]); err == nil || strings.IndexFunc(rec[0], unicode.IsLetter) < 0 {
		return false
	}
	for _, f := range rec[1:] {
		if _, err := strconv.ParseFloat(f, 64); err == nil {
			return false
		}
	}
	return true
}

// delimiter finds the field separator: Grafana's Excel "sep=X" first line
// (removed; lineOffset says so), else ',' unless the first line has none
// and has ';' or a tab.
func delimiter(b []byte) (rest []byte, comma rune, lineOffset int) {
	first, after, _ := bytes.Cut(b, []byte{'\n'})
	first = bytes.TrimRight(first, "\r")
	if s := string(bytes.TrimSpace(first)); len(s) == 5 && strings.HasPrefix(strings.ToLower(s), "sep=") {
		if c := rune(s[4]); c != '"' && c != '\r' && c != '\n' && c != '#' {
			return after, c, 1
		}
	}
	for _, c := range []byte{',', ';', '\t'} {
		if bytes.IndexByte(first, c) >= 0 {
			return b, rune(c), 0
		}
	}
	return b, ',', 0
}

// msThreshold separates Unix seconds from Unix milliseconds: 1e11 seconds
// is the year 5138, 1e11 milliseconds is March 1973.
const msThreshold = 1e11

// timeLayouts are the date-and-time forms read besides RFC 3339: Grafana's
// export ("2025-11-29 00:00:00") with an optional offset. Fractional
// seconds are accepted after the seconds in each. Without an offset the
// time is UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 Z07:00",
	"2006-01-02 15:04:05Z0700",
	"2006-01-02 15:04:05 Z0700",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
}

// parseTimestamp reads Unix seconds, Unix milliseconds or a date and time
// and returns Unix milliseconds.
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
	s = strings.TrimSuffix(strings.TrimSuffix(s, " UTC"), " GMT")
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMilli(), nil
		}
	}
	return 0, errors.New("is not Unix seconds, Unix milliseconds or a date and time (RFC 3339, or 2025-11-29 00:00:00 as Grafana exports it)")
}
