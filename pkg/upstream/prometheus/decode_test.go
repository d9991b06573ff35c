package prometheus

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/memshape/memory-datasource/pkg/series"
	"github.com/memshape/memory-datasource/pkg/upstream"
)

func decode(t *testing.T, body string, opt DecodeOptions) (upstream.Result, error) {
	t.Helper()
	return DecodeQueryRange(strings.NewReader(body), opt)
}

func TestDecodeEnvelope(t *testing.T) {
	body := `{"status":"success","data":{"resultType":"matrix","result":[
		{"metric":{"__name__":"m","pod":"a\"b\u00e9&<"},"values":[[1700000000,"1"],[1700000000.5,"NaN"],[1700000001.123,"+Inf"],[1700000002,"-Inf"],[1700000003,"1.5e9"]]},
		{"metric":{},"values":[]},
		{"values":[[-1.5,"-2"]]}
	]},"warnings":["w1"],"infos":["i1"]}`
	res, err := decode(t, body, DecodeOptions{})
	require.NoError(t, err)
	require.Len(t, res.Series, 3)
	s := res.Series[0]
	assert.Equal(t, map[string]string{"__name__": "m", "pod": "a\"bé&<"}, s.Labels)
	assert.Equal(t, []int64{1700000000000, 1700000000500, 1700000001123, 1700000002000, 1700000003000}, s.T)
	assert.Equal(t, 1.0, s.V[0])
	assert.True(t, math.IsNaN(s.V[1]))
	assert.True(t, math.IsInf(s.V[2], 1))
	assert.True(t, math.IsInf(s.V[3], -1))
	assert.Equal(t, 1.5e9, s.V[4])
	assert.NotNil(t, res.Series[1].Labels)
	assert.Empty(t, res.Series[1].T)
	assert.Equal(t, []int64{-1500}, res.Series[2].T)
	assert.Equal(t, []string{"w1", "i1"}, res.Warnings)

	// Keys in any order, unknown keys skipped, null result.
	res, err = decode(t, `{"warnings":null,"data":{"extra":[1,{"a":[]}],"result":null,"resultType":"matrix"},"status":"success","x":1}`, DecodeOptions{})
	require.NoError(t, err)
	assert.NotNil(t, res.Series)
	assert.Empty(t, res.Series)
}

func TestDecodeHistogramsSkipped(t *testing.T) {
	h := `{"count":"3","sum":"2","buckets":[[0,"0","1","3"]]}`
	body := `{"status":"success","data":{"resultType":"matrix","result":[
		{"metric":{"__name__":"h"},"histograms":[[1,` + h + `],[2,` + h + `]]},
		{"metric":{"__name__":"mixed"},"values":[[1,"5"]],"histograms":[[2,` + h + `]]}
	]}}`
	res, err := decode(t, body, DecodeOptions{})
	require.NoError(t, err)
	require.Len(t, res.Series, 1, "the histogram-only series is left out")
	assert.Equal(t, "mixed", res.Series[0].Labels["__name__"])
	assert.Equal(t, []int64{1000}, res.Series[0].T)
	require.Len(t, res.Warnings, 1)
	assert.Contains(t, res.Warnings[0], "3 native histogram samples in 2 series")
	assert.Contains(t, res.Warnings[0], "skipped")
}

// Each is given every series of the answer once it is read whole —
// labels after values, on the grid or off it — with its index in the
// answer, and never a histogram-only series the answer leaves out.
func TestDecodeEachGivesEverySeriesWhole(t *testing.T) {
	h := `{"count":"3","sum":"2","buckets":[[0,"0","1","3"]]}`
	body := `{"status":"success","data":{"resultType":"matrix","result":[
		{"metric":{"pod":"a"},"values":[[60,"1"],[120,"2"],[180,"3"]]},
		{"metric":{"__name__":"h"},"histograms":[[60,` + h + `]]},
		{"values":[[60,"4"],[150,"5"]],"metric":{"pod":"b"}},
		{"metric":{"pod":"c"},"values":[]}
	]}}`
	type given struct {
		i int
		s series.Series
	}
	var got []given
	res, err := decode(t, body, DecodeOptions{Grid: Grid{Start: 60_000, Step: 60_000, N: 3}, Each: func(i int, s series.Series) {
		got = append(got, given{i, s})
	}})
	require.NoError(t, err)
	require.Len(t, res.Series, 3)
	require.Len(t, got, 3)
	for k, g := range got {
		assert.Equal(t, k, g.i)
		assert.Equal(t, res.Series[k], g.s, "series %d is given as the answer holds it", k)
	}
	assert.Equal(t, map[string]string{"pod": "b"}, got[1].s.Labels)
	assert.Equal(t, []int64{60_000, 150_000}, got[1].s.T)
}

func TestDecodeStatusError(t *testing.T) {
	for typ, kind := range map[string]upstream.Kind{
		"bad_data": upstream.BadQuery, "timeout": upstream.Timeout, "execution": upstream.Execution,
		"internal": upstream.Server, "canceled": upstream.Server, "unavailable": upstream.Server, "not_found": upstream.NotFound,
	} {
		_, err := decode(t, `{"status":"error","errorType":"`+typ+`","error":"query timed out in expression evaluation"}`, DecodeOptions{})
		ue, ok := upstream.AsError(err)
		require.True(t, ok, "%v", err)
		assert.Equal(t, kind, ue.Kind, typ)
		assert.Equal(t, typ, ue.Type)
		assert.Equal(t, "query timed out in expression evaluation", ue.Msg)
	}
}

func TestDecodeBadBodies(t *testing.T) {
	okBody := `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"b"},"values":[[1,"1"],[2,"2"]]}]}}`
	cases := []struct {
		name, body string
		kind       upstream.Kind
		want       []string
	}{
		{"empty", ``, upstream.BadResponse, []string{"empty"}},
		{"not json", `<html>`, upstream.BadResponse, []string{"want a JSON object"}},
		{"array", `[]`, upstream.BadResponse, []string{"got an array"}},
		{"duplicate top key", `{"status":"success","data":{"resultType":"matrix","result":[]},"data":{"resultType":"matrix","result":[]}}`, upstream.BadResponse, []string{`duplicate key "data"`}},
		{"duplicate status", `{"status":"error","status":"success","data":{"resultType":"matrix","result":[]}}`, upstream.BadResponse, []string{`duplicate key "status"`}},
		{"duplicate data key", `{"data":{"resultType":"matrix","result":[],"result":[]}}`, upstream.BadResponse, []string{`data: duplicate key "result"`}},
		{"duplicate values", `{"data":{"resultType":"matrix","result":[{"metric":{},"values":[],"values":[[1,"1"]]}]}}`, upstream.BadResponse, []string{`data.result[0]: duplicate key "values"`}},
		{"duplicate label", `{"data":{"resultType":"matrix","result":[{"metric":{"a":"1","a":"2"},"values":[]}]}}`, upstream.BadResponse, []string{`data.result[0].metric: duplicate label "a"`}},
		{"no data", `{"status":"success"}`, upstream.BadResponse, []string{`no "data"`}},
		{"null data", `{"status":"success","data":null}`, upstream.BadResponse, []string{`no "data"`}},
		{"unknown status", `{"status":"maybe","data":{"resultType":"matrix","result":[]}}`, upstream.BadResponse, []string{`unexpected status "maybe"`}},
		{"missing resultType", `{"data":{"result":[]}}`, upstream.BadResponse, []string{"resultType is missing"}},
		{"vector", `{"data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1"]}]}}`, upstream.BadQuery, []string{"matrix", "got vector"}},
		{"vector late type", `{"data":{"result":[{"metric":{},"value":[1,"1"]}],"resultType":"vector"}}`, upstream.BadQuery, []string{"got vector"}},
		{"unknown type", `{"data":{"resultType":"tensor","result":[]}}`, upstream.BadResponse, []string{`unknown resultType "tensor"`}},
		{"value not string", `{"data":{"resultType":"matrix","result":[{"values":[[1,2]]}]}}`, upstream.BadResponse, []string{"data.result[0].values[0]", "quoted string"}},
		{"ts not number", `{"data":{"resultType":"matrix","result":[{"values":[[1,"1"],["x","1"]]}]}}`, upstream.BadResponse, []string{"data.result[0].values[1]", "timestamp is not a number"}},
		{"bad value", `{"data":{"resultType":"matrix","result":[{"values":[[1,"abc"]]}]}}`, upstream.BadResponse, []string{"data.result[0].values[0]", `value "abc" is not a number`}},
		{"three elements", `{"data":{"resultType":"matrix","result":[{"values":[[1,"1",2]]}]}}`, upstream.BadResponse, []string{"more than two elements"}},
		{"one element", `{"data":{"resultType":"matrix","result":[{"values":[[1]]}]}}`, upstream.BadResponse, []string{"data.result[0].values[0]", "not a pair"}},
		{"missing comma", `{"data":{"resultType":"matrix","result":[{"values":[[1["2"]]}]}}`, upstream.BadResponse, []string{"data.result[0].values[0]", "want ','"}},
		{"point null", `{"data":{"resultType":"matrix","result":[{"values":[null]}]}}`, upstream.BadResponse, []string{"not a pair"}},
		{"huge timestamp", `{"data":{"resultType":"matrix","result":[{"values":[[1e300,"1"]]}]}}`, upstream.BadResponse, []string{"out of range"}},
		{"series not object", `{"data":{"resultType":"matrix","result":[1]}}`, upstream.BadResponse, []string{"data.result[0]", "want a series object"}},
		{"label not string", `{"data":{"resultType":"matrix","result":[{"metric":{"a":1}}]}}`, upstream.BadResponse, []string{`label "a": want a string`}},
		{"trailing garbage", okBody + ` x`, upstream.BadResponse, []string{"after the end"}},
		{"second document", okBody + okBody, upstream.BadResponse, []string{"after the end"}},
		{"warnings not strings", `{"data":{"resultType":"matrix","result":[]},"warnings":[1]}`, upstream.BadResponse, []string{"warnings[0]: want a string"}},
	}
	// Every cut of a good body is truncated, and says so.
	for i := 1; i < len(okBody); i++ {
		cases = append(cases, struct {
			name, body string
			kind       upstream.Kind
			want       []string
		}{"truncated at " + strconv.Itoa(i), okBody[:i], upstream.BadResponse, []string{"ends early (truncated)"}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := decode(t, c.body, DecodeOptions{})
			require.Error(t, err, "got %+v", res)
			ue, ok := upstream.AsError(err)
			require.True(t, ok, "%T %v", err, err)
			assert.Equal(t, c.kind, ue.Kind, "%v", err)
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestDecodeBareForms(t *testing.T) {
	stream := `{"metric":{"__name__":"m"},"values":[[1,"1"],[2,"2"]]}`
	for name, body := range map[string]string{
		"data object":  `{"resultType":"matrix","result":[` + stream + `]}`,
		"result array": `[` + stream + `]`,
		"one stream":   stream,
		"envelope":     `{"status":"success","data":{"resultType":"matrix","result":[` + stream + `]}}`,
	} {
		t.Run(name, func(t *testing.T) {
			res, err := decode(t, body, DecodeOptions{Bare: true})
			require.NoError(t, err)
			require.Len(t, res.Series, 1)
			assert.Equal(t, []int64{1000, 2000}, res.Series[0].T)
			assert.Equal(t, []float64{1, 2}, res.Series[0].V)
			if name != "envelope" {
				_, err := decode(t, body, DecodeOptions{})
				require.Error(t, err, "bare forms need Bare")
			}
		})
	}
	_, err := decode(t, `{"resultType":"matrix","metric":{}}`, DecodeOptions{Bare: true})
	require.Error(t, err)
	_, err = decode(t, `[{"values":[[1,"x"]]}]`, DecodeOptions{Bare: true})
	var de *DecodeError
	require.True(t, errors.As(err, &de))
	assert.Equal(t, "result[0].values[0]", de.Path)
}

// countingReader counts what was read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// matrixBody renders ns series of np points each as Prometheus does.
func matrixBody(ns, np int) string {
	var b strings.Builder
	b.WriteString(`{"status":"success","data":{"resultType":"matrix","result":[`)
	for i := 0; i < ns; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"metric":{"__name__":"mem","pod":"p-%d"},"values":[`, i)
		for j := 0; j < np; j++ {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `[%d,"%d"]`, 1700000000+60*j, 500000000+i*j)
		}
		b.WriteString("]}")
	}
	b.WriteString("]}}")
	return b.String()
}

func TestDecodeCapsStopEarly(t *testing.T) {
	body := matrixBody(200, 100)
	cr := &countingReader{r: strings.NewReader(body)}
	_, err := DecodeQueryRange(cr, DecodeOptions{Limits: Limits{MaxSeries: 10}})
	ue, ok := upstream.AsError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, upstream.TooLarge, ue.Kind)
	assert.Contains(t, err.Error(), "more than 10 series")
	assert.Contains(t, err.Error(), "label matchers")
	assert.Less(t, cr.n, int64(len(body)/4), "stopped at the 11th series")

	cr = &countingReader{r: strings.NewReader(body)}
	_, err = DecodeQueryRange(cr, DecodeOptions{Limits: Limits{MaxPoints: 1500}})
	ue, ok = upstream.AsError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, upstream.TooLarge, ue.Kind)
	assert.Contains(t, err.Error(), "more than 1,500 points")
	assert.Contains(t, err.Error(), "larger step")
	assert.Less(t, cr.n, int64(len(body)/4))

	// Exactly at the caps is fine.
	res, err := decode(t, body, DecodeOptions{Limits: Limits{MaxSeries: 200, MaxPoints: 20000}})
	require.NoError(t, err)
	assert.Len(t, res.Series, 200)
}

// The decoder reads what client_golang's model reads, for bodies as
// Prometheus writes them (random labels, values and timestamps).
func TestDecodeMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 50; round++ {
		var m model.Matrix
		for i := 0; i < rng.IntN(8); i++ {
			ss := &model.SampleStream{Metric: model.Metric{"__name__": "m", "i": model.LabelValue(strconv.Itoa(i)), "weird": model.LabelValue(randString(rng))}}
			ts := model.Time(rng.Int64N(4e12) - 1e12)
			for j := 0; j < rng.IntN(50); j++ {
				ts += model.Time(1 + rng.Int64N(100000))
				v := model.SampleValue(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(30)-10)))
				switch rng.IntN(20) {
				case 0:
					v = model.SampleValue(math.NaN())
				case 1:
					v = model.SampleValue(math.Inf(1 - 2*rng.IntN(2)))
				case 2:
					v = model.SampleValue(rng.Int64N(1 << 40))
				}
				ss.Values = append(ss.Values, model.SamplePair{Timestamp: ts, Value: v})
			}
			m = append(m, ss)
		}
		raw, err := json.Marshal(map[string]any{"status": "success", "data": map[string]any{"resultType": "matrix", "result": m}})
		require.NoError(t, err)
		res, err := DecodeQueryRange(strings.NewReader(string(raw)), DecodeOptions{})
		require.NoError(t, err, "%s", raw)
		require.Len(t, res.Series, len(m))
		for i, ss := range m {
			got := res.Series[i]
			want := series.Series{Labels: map[string]string{}}
			for k, v := range ss.Metric {
				want.Labels[string(k)] = string(v)
			}
			for _, p := range ss.Values {
				want.T = append(want.T, int64(p.Timestamp))
				want.V = append(want.V, float64(p.Value))
			}
			assert.Equal(t, want.Labels, got.Labels)
			assert.Equal(t, want.T, got.T)
			require.Len(t, got.V, len(want.V))
			for j := range want.V {
				assert.Equal(t, math.Float64bits(want.V[j]) == math.Float64bits(got.V[j]) || (math.IsNaN(want.V[j]) && math.IsNaN(got.V[j])), true, "value %d: %v vs %v", j, want.V[j], got.V[j])
			}
		}
	}
}

func randString(rng *rand.Rand) string {
	const alphabet = "ab\"\\/\n\t<>&é😀 {}[],:"
	r := []rune(alphabet)
	var b strings.Builder
	for i := 0; i < rng.IntN(10); i++ {
		b.WriteRune(r[rng.IntN(len(r))])
	}
	return b.String()
}

// A body fed one byte per Read decodes the same: numbers and strings
// that straddle reads are put together.
func TestDecodeTinyReads(t *testing.T) {
	body := matrixBody(3, 40)
	want, err := decode(t, body, DecodeOptions{})
	require.NoError(t, err)
	got, err := DecodeQueryRange(io.MultiReader(oneByteReader{strings.NewReader(body)}), DecodeOptions{})
	require.NoError(t, err)
	assert.Equal(t, want, got)

	// A window smaller than any token grows to hold it.
	esc := `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"x\"y\u00e9z","long":"` +
		strings.Repeat("v", 300) + `"},"values":[[1700000000.123,"123456789.25"],[1700000001,"+Inf"]]}]}}`
	for _, window := range []int{1, 2, 3, 7} {
		for _, b := range []string{body, esc} {
			want, err := DecodeQueryRange(strings.NewReader(b), DecodeOptions{})
			require.NoError(t, err)
			got, err := decodeQueryRange(oneByteReader{strings.NewReader(b)}, DecodeOptions{}, window)
			require.NoError(t, err, "window %d", window)
			assert.Equal(t, want, got)
		}
	}
	res, err := DecodeQueryRange(strings.NewReader(esc), DecodeOptions{})
	require.NoError(t, err)
	assert.Equal(t, "x\"yéz", res.Series[0].Labels["a"])
	assert.Equal(t, []int64{1700000000123, 1700000001000}, res.Series[0].T)
}

type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}

// An error from the body reader (the body cap, a broken connection) is
// what the decode returns, not a JSON complaint.
func TestDecodeReaderErrors(t *testing.T) {
	body := matrixBody(5, 100)
	capped := &upstream.Error{Source: upstream.Prometheus, Kind: upstream.TooLarge, Msg: "cap"}
	_, err := DecodeQueryRange(io.MultiReader(strings.NewReader(body[:1000]), errAfter{capped}), DecodeOptions{})
	assert.Same(t, capped, err)

	_, err = DecodeQueryRange(io.MultiReader(strings.NewReader(body[:1000]), errAfter{errors.New("connection reset by peer")}), DecodeOptions{})
	ue, ok := upstream.AsError(err)
	require.True(t, ok)
	assert.Equal(t, upstream.Unreachable, ue.Kind)
	assert.Contains(t, err.Error(), "connection reset by peer")
}

// sameSeries compares decoded series, NaN equal to NaN.
func sameSeries(a, b []series.Series) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !maps.Equal(a[i].Labels, b[i].Labels) || !slices.Equal(a[i].T, b[i].T) || len(a[i].V) != len(b[i].V) {
			return false
		}
		for j := range a[i].V {
			if math.Float64bits(a[i].V[j]) != math.Float64bits(b[i].V[j]) && !(math.IsNaN(a[i].V[j]) && math.IsNaN(b[i].V[j])) {
				return false
			}
		}
	}
	return true
}

type errAfter struct{ err error }

func (e errAfter) Read([]byte) (int, error) { return 0, e.err }

func FuzzDecode(f *testing.F) {
	f.Add(matrixBody(2, 3))
	f.Add(`{"status":"error","errorType":"timeout","error":"x"}`)
	f.Add(`[{"metric":{},"values":[[1,"1"]],"histograms":[[1,{}]]}]`)
	f.Add(`{"metric":{"a":"b"},"values":[[1.5,"NaN"]]}`)
	f.Add(`[{"metric":{},"values":[[1000000,"1"],[1000001,"2"],[1000002,"-3.5"],[1000004,"4"],[1000005.5,"5"]]}]`)
	f.Fuzz(func(t *testing.T, body string) {
		opt := DecodeOptions{Bare: true, Limits: Limits{MaxSeries: 50, MaxPoints: 500}}
		res, err := DecodeQueryRange(strings.NewReader(body), opt)
		// However the body arrives and whatever the window, the answer is
		// the same: small windows slide under every token.
		for _, window := range []int{5, 64} {
			got, gerr := decodeQueryRange(chunkReader{strings.NewReader(body), 1 + len(body)%11}, opt, window)
			if (gerr == nil) != (err == nil) {
				t.Fatalf("window %d: error %v, read whole: %v", window, gerr, err)
			}
			if err == nil && !sameSeries(res.Series, got.Series) {
				t.Fatalf("window %d: %+v, read whole: %+v", window, got.Series, res.Series)
			}
		}
		// On a query's grid, series share a time column and read the
		// same; on one of whole seconds (from 1,000,000 s on), timestamps
		// are compared with the text expected.
		for _, grid := range []Grid{{Start: 1000, Step: 500, N: 50}, {Start: 1e9, Step: 1000, N: 50}} {
			gres, gerr := DecodeQueryRange(strings.NewReader(body), DecodeOptions{Bare: true, Limits: opt.Limits, Grid: grid})
			if fmt.Sprint(gerr) != fmt.Sprint(err) || (err == nil && (!sameSeries(res.Series, gres.Series) || res.Last != gres.Last)) {
				t.Fatalf("on grid %+v: %+v %v, without: %+v %v", grid, gres.Series, gerr, res.Series, err)
			}
		}
		if err == nil && !json.Valid([]byte(body)) {
			t.Fatalf("accepted a body that is not JSON: %q", body)
		}
		if err != nil {
			if _, ok := upstream.AsError(err); !ok {
				t.Fatalf("not an *upstream.Error: %T %v", err, err)
			}
			return
		}
		if res.Series == nil {
			t.Fatal("nil series with no error")
		}
		for _, s := range res.Series {
			if len(s.T) != len(s.V) || s.Labels == nil {
				t.Fatalf("malformed series %+v", s)
			}
		}
	})
}

// parseValue agrees with strconv.ParseFloat bit for bit, on the fast path
// and off it.
func TestParseValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	inputs := []string{"0", "-0", "1", "007", "0.1", "123456789012345", "1234567890123456", "0.000000000000001",
		"9007199254740993", "1.", ".5", "-", "", "1e9", "NaN", "+Inf", "-Inf", "1_0", "0x10", "12.34.5", "--1", "1-"}
	for i := 0; i < 20000; i++ {
		v := rng.NormFloat64() * math.Pow(10, float64(rng.IntN(40)-20))
		inputs = append(inputs, strconv.FormatFloat(v, 'f', -1, 64), strconv.FormatFloat(v, 'f', rng.IntN(12), 64),
			strconv.FormatInt(rng.Int64N(1<<53), 10))
	}
	for _, in := range inputs {
		want, werr := strconv.ParseFloat(in, 64)
		got, gerr := parseValue([]byte(in))
		require.Equal(t, werr == nil, gerr == nil, "%q: %v vs %v", in, werr, gerr)
		if werr == nil && !(math.IsNaN(want) && math.IsNaN(got)) {
			require.Equal(t, math.Float64bits(want), math.Float64bits(got), "%q", in)
		}
	}
}

// The fast path for compact pairs and the general one agree bit for bit:
// the same bodies, compact and indented (which only the general path
// reads), decode the same.
func TestFastPathMatchesGeneral(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	edges := []string{"123456789012345", "1234567890123456", "12345678.1234567", "1234567.12345678", "0.000000000000001",
		"99999999", "100000000", "12345678", "0", "-0.5", ".5", "5.", "0012", "1e5", "1.5e-3", "99999999.99999999"}
	value := func() string {
		switch rng.IntN(14) {
		case 12, 13:
			return edges[rng.IntN(len(edges))]
		case 0:
			return "NaN"
		case 1:
			return "+Inf"
		case 2:
			return "-Inf"
		case 3:
			return strconv.FormatFloat(rng.NormFloat64()*1e30, 'g', -1, 64)
		case 4:
			return strconv.FormatFloat(rng.NormFloat64(), 'f', -1, 64) // often > 15 digits
		case 5:
			return strconv.FormatInt(rng.Int64N(1<<62)-(1<<61), 10)
		case 6:
			return "-0"
		case 7:
			return strconv.FormatFloat(rng.Float64()*1e6, 'f', rng.IntN(8), 64)
		}
		return strconv.FormatInt(rng.Int64N(1<<40), 10)
	}
	stamp := func(ms int64) string {
		switch rng.IntN(8) {
		case 6:
			return strconv.FormatInt(ms/1000, 10) + ".5" // one decimal
		case 7:
			return strconv.FormatInt(ms/1000, 10) + ".05"
		case 0:
			return strconv.FormatFloat(float64(ms)/1000, 'f', 4, 64) // more than ms
		case 1:
			return strconv.FormatFloat(float64(ms)/1000, 'e', -1, 64)
		}
		return formatSeconds(ms)
	}
	for round := 0; round < 30; round++ {
		var b strings.Builder
		b.WriteString(`{"status":"success","data":{"resultType":"matrix","result":[`)
		for i := 0; i < 5; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"metric":{"i":"%d"},"values":[`, i)
			ms := rng.Int64N(2e12)
			if rng.IntN(10) == 0 {
				ms = -ms
			}
			for j := 0; j < 300; j++ {
				if j > 0 {
					b.WriteByte(',')
				}
				ms += 1 + rng.Int64N(100000)
				fmt.Fprintf(&b, `[%s,"%s"]`, stamp(ms), value())
			}
			b.WriteString("]}")
		}
		b.WriteString("]}}")
		compact := b.String()
		var indented bytes.Buffer
		require.NoError(t, json.Indent(&indented, []byte(compact), "", "  "))
		fast, err := DecodeQueryRange(strings.NewReader(compact), DecodeOptions{})
		require.NoError(t, err)
		general, err := DecodeQueryRange(strings.NewReader(indented.String()), DecodeOptions{})
		require.NoError(t, err)
		require.Equal(t, len(general.Series), len(fast.Series))
		for i := range fast.Series {
			require.Equal(t, general.Series[i].T, fast.Series[i].T)
			for j, v := range general.Series[i].V {
				require.Equal(t, math.Float64bits(v), math.Float64bits(fast.Series[i].V[j]), "series %d point %d", i, j)
			}
		}
	}
}

// chunkReader hands out its body n bytes per Read.
type chunkReader struct {
	r io.Reader
	n int
}

func (c chunkReader) Read(p []byte) (int, error) {
	if len(p) > c.n {
		p = p[:c.n]
	}
	return c.r.Read(p)
}

// Whatever the window and however the body arrives, every token lands at
// every place of the window, and the window slides under every token and
// between a key and its colon: the labels, times and values decoded are
// those of a decode that reads the body whole. (A key kept as a slice of
// the window while the colon after it was read came back as the bytes the
// next read put there.)
func TestDecodeEveryCut(t *testing.T) {
	body := matrixBody(4, 6)
	want, err := DecodeQueryRange(strings.NewReader(body), DecodeOptions{})
	require.NoError(t, err)
	for _, window := range []int{16, 48, 100} {
		for n := 1; n <= 2*window; n++ {
			got, err := decodeQueryRange(chunkReader{strings.NewReader(body), n}, DecodeOptions{}, window)
			require.NoError(t, err, "window %d, reads of %d bytes", window, n)
			require.Equal(t, want, got, "window %d, reads of %d bytes", window, n)
		}
	}
}

// The fast path reads every pair whose value is as Prometheus writes it
// (15 digits at most, an optional minus and fraction) and stops at the
// first other one, having read the pairs before it; what it reads is
// what strconv.ParseFloat reads, bit for bit. Whole bodies of such pairs
// and of others — 1 to 17 digits, something inside, instead of or after
// the digits, or between the value and the pair's "]" — decode as the
// same body indented (read by the general path) does, or fail at the
// pair that is wrong, naming it; on a grid's expected timestamps and off
// one.
func TestFastValuesMatchParseFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	fastForm := regexp.MustCompile(`^-?([0-9]+(\.[0-9]+)?|\.[0-9]+)$`)
	fastReads := func(text, closing string) bool {
		return closing == "]" && fastForm.MatchString(text) && len(text)-strings.Count(text, "-")-strings.Count(text, ".") <= 15
	}
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		if n > 1 && rng.IntN(8) != 0 {
			b[0] = byte('1' + rng.IntN(9)) // mostly no leading zero
		}
		return string(b)
	}
	value := func() string {
		n := 1 + rng.IntN(17)
		s := digits(n)
		if rng.IntN(3) == 0 {
			f := 1 + rng.IntN(17-min(n, 16))
			if rng.IntN(20) == 0 {
				s = "" // ".5": no whole part
			}
			s += "." + digits(f)
		}
		if rng.IntN(4) == 0 {
			s = "-" + s
		}
		return s
	}
	junk := []string{"x", ".", " ", "e", "-", "+", "..", `"`, "]", ",", `"x`, `",`, `"]`}
	closes := []string{" ]", "x]", "]x", `"]`, ",]", `]"`}
	const points = 200
	grid := Grid{Start: 1_700_000_000_000, Step: 60_000, N: points}
	fastRounds := 0
	for round := 0; round < 400; round++ {
		// Half the rounds hold only values the fast path reads but for
		// one pair that may be odd; the others, values of any length.
		prom, odd := round%2 == 0, -1
		if rng.IntN(2) == 0 {
			odd = rng.IntN(points)
		}
		texts := make([]string, points)
		var pairs strings.Builder
		firstSlow := -1
		for k := range texts {
			text, closing := value(), "]"
			for prom && !fastReads(text, closing) {
				text = value()
			}
			if k == odd {
				if rng.IntN(3) == 0 {
					closing = closes[rng.IntN(len(closes))]
				} else {
					at := rng.IntN(len(text) + 1)
					text = text[:at] + junk[rng.IntN(len(junk))] + text[at:]
				}
			}
			if firstSlow < 0 && !fastReads(text, closing) {
				firstSlow = k
			}
			texts[k] = text
			if k > 0 {
				pairs.WriteByte(',')
			}
			fmt.Fprintf(&pairs, `[%d,"%s"%s`, (grid.Start+int64(k)*grid.Step)/1000, text, closing)
		}
		opt := DecodeOptions{}
		if round%3 != 0 {
			opt.Grid = grid
		}

		// The fast path alone (the body runs on past the array, as a
		// real one does, so that the last pairs are not left to the
		// general path for want of bytes ahead).
		d := newDecoder(strings.NewReader(pairs.String()+"]"+strings.Repeat(" ", fastWindow)), Limits{})
		d.grid = opt.Grid
		d.stamp.setGrid(d.grid)
		d.beginSeries()
		var s series.Series
		closed := d.fastPoints(&s)
		if firstSlow < 0 {
			require.True(t, closed, "round %d: the fast path stopped at point %d: %q", round, len(s.V), texts[min(len(s.V), points-1)])
			fastRounds++
		} else {
			require.False(t, closed, "round %d: %d %q", round, firstSlow, texts[firstSlow])
			require.Equal(t, firstSlow, len(s.V), "round %d: the fast path stops at point %d: %q", round, firstSlow, texts[firstSlow])
		}
		for k, v := range s.V {
			want, err := strconv.ParseFloat(texts[k], 64)
			require.NoError(t, err)
			require.Equal(t, math.Float64bits(want), math.Float64bits(v), "round %d, point %d: %q", round, k, texts[k])
		}

		// The whole body, against the general path.
		compact := `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[` + pairs.String() + "]}]}}"
		got, err := DecodeQueryRange(strings.NewReader(compact), opt)
		var indented bytes.Buffer
		if json.Indent(&indented, []byte(compact), "", " ") != nil {
			require.Error(t, err, "round %d: %q accepted", round, texts[odd])
			require.Contains(t, err.Error(), fmt.Sprintf("result[0].values[%d]", odd), "round %d: %q", round, texts[odd])
			continue
		}
		general, gerr := DecodeQueryRange(strings.NewReader(indented.String()), opt)
		if gerr != nil {
			require.Error(t, err, "round %d: %q accepted", round, texts[odd])
			require.Contains(t, gerr.Error(), fmt.Sprintf("result[0].values[%d]", odd), "round %d: %q", round, texts[odd])
			require.Contains(t, err.Error(), fmt.Sprintf("result[0].values[%d]", odd), "round %d: %q", round, texts[odd])
			continue
		}
		require.NoError(t, err, "round %d", round)
		require.True(t, sameSeries(general.Series, got.Series), "round %d", round)
		require.Len(t, got.Series[0].V, points)
		for k, v := range got.Series[0].V {
			want, err := strconv.ParseFloat(texts[k], 64)
			require.NoError(t, err)
			require.Equal(t, math.Float64bits(want), math.Float64bits(v), "round %d, point %d: %q", round, k, texts[k])
		}
	}
	require.Greater(t, fastRounds, 50, "rounds read by the fast path alone")
}
