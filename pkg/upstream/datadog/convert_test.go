package datadog

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/DataDog/datadog-api-client-go/v2/api/datadogV1"
)

func decode(t *testing.T, body string) datadogV1.MetricsQueryResponse {
	t.Helper()
	var resp datadogV1.MetricsQueryResponse
	if err := json.Unmarshal([]byte(body), &resp); err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestToSeriesLabels(t *testing.T) {
	resp := decode(t, `{"status":"ok","series":[
		{"metric":"jvm.heap_memory","tag_set":["role:db","role:cache","canary"],"scope":"ignored:yes","pointlist":[[1700000000000.0,1.0]]},
		{"metric":"jvm.heap_memory","scope":"service:billing, az:us-east-1a","pointlist":[[1700000000000.0,2.0]]},
		{"metric":"jvm.heap_memory","scope":"*","pointlist":[]},
		{"scope":"host:x:y","pointlist":[]}
	]}`)
	ss, err := ToSeries(resp)
	if err != nil {
		t.Fatal(err)
	}
	want := []map[string]string{
		{"__name__": "jvm.heap_memory", "role": "db,cache", "canary": ""},
		{"__name__": "jvm.heap_memory", "service": "billing", "az": "us-east-1a"},
		{"__name__": "jvm.heap_memory"},
		{"host": "x:y"},
	}
	for i, w := range want {
		if !reflect.DeepEqual(ss[i].Labels, w) {
			t.Errorf("series %d labels %v, want %v", i, ss[i].Labels, w)
		}
	}
}

func TestToSeriesUniqueLabels(t *testing.T) {
	// avg:m{*} by {host}, max:m{*} by {host}: the same metric and tags
	// twice; and a third pair whose expressions are equal too.
	resp := decode(t, `{"status":"ok","series":[
		{"metric":"m","tag_set":["host:a"],"expression":"avg:m{host:a}","pointlist":[]},
		{"metric":"m","tag_set":["host:b"],"expression":"avg:m{host:b}","pointlist":[]},
		{"metric":"m","tag_set":["host:a"],"expression":"max:m{host:a}","pointlist":[]},
		{"metric":"n","tag_set":["host:a"],"expression":"avg:n{host:a}","pointlist":[]},
		{"metric":"n","tag_set":["host:a"],"expression":"avg:n{host:a}","pointlist":[]}
	]}`)
	ss, err := ToSeries(resp)
	if err != nil {
		t.Fatal(err)
	}
	want := []map[string]string{
		{"__name__": "m", "host": "a", "expression": "avg:m{host:a}"},
		{"__name__": "m", "host": "b"},
		{"__name__": "m", "host": "a", "expression": "max:m{host:a}"},
		{"__name__": "n", "host": "a", "expression": "avg:n{host:a}", "series_index": "3"},
		{"__name__": "n", "host": "a", "expression": "avg:n{host:a}", "series_index": "4"},
	}
	for i, w := range want {
		if !reflect.DeepEqual(ss[i].Labels, w) {
			t.Errorf("series %d labels %v, want %v", i, ss[i].Labels, w)
		}
	}
}

func TestToSeriesPointsAndUnits(t *testing.T) {
	resp := decode(t, `{"status":"ok","series":[
		{"metric":"system.mem.used","tag_set":["host:a"],"unit":[{"family":"bytes","name":"mebibyte","scale_factor":1048576.0},null],
		 "pointlist":[[1700000000000.0,1.5],[1700000060000.0,null],[1700000120000.0,2.0]]},
		{"metric":"system.cpu.user","tag_set":["host:a"],"unit":[{"family":"percentage","name":"percent","scale_factor":1.0}],
		 "pointlist":[[1700000000000.0,50.0]]},
		{"metric":"x","tag_set":["host:b"],"unit":null,"pointlist":[[1700000000000.0,7.0]]}
	]}`)
	ss, err := ToSeries(resp)
	if err != nil {
		t.Fatal(err)
	}
	if v := ss[0].V; v[0] != 1.5*1048576 || !math.IsNaN(v[1]) || v[2] != 2*1048576 {
		t.Errorf("mebibytes not scaled to bytes, nulls not NaN: %v", v)
	}
	if !reflect.DeepEqual(ss[0].T, []int64{1700000000000, 1700000060000, 1700000120000}) {
		t.Errorf("T %v", ss[0].T)
	}
	if ss[1].V[0] != 50 || ss[2].V[0] != 7 {
		t.Errorf("values outside the bytes family scaled: %v %v", ss[1].V, ss[2].V)
	}
}

func TestToSeriesErrors(t *testing.T) {
	for body, want := range map[string]string{
		`{"status":"error","error":"Error parsing query"}`: "datadog returned an error: Error parsing query",
		`{"status":"error"}`:                                                          "(no message)",
		`{"series":[{"pointlist":[[1700000000000.0]]}]}`:                              "series[0].pointlist[0]: want [<unix ms>, <value or null>], got [1700000000000]",
		`{"series":[{"pointlist":[[null,1]]}]}`:                                       "got [null,1]",
		`{"series":[{"pointlist":[[1,2]]},{"pointlist":[[1e300,2]]}]}`:                "series[1].pointlist[0]: timestamp 1e+300 is out of range",
		`{"series":[{"metric":"m","pointlist":[[1700000000000,"12"]]}]}`:              ErrSchema.Error(),
		`{"status":"ok","series":[{"metric":"m","tag_set":"host:a","pointlist":[]}]}`: ErrSchema.Error(),
	} {
		_, err := ToSeries(decode(t, body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
	var re *ResponseError
	if _, err := ToSeries(decode(t, `{"status":"error","error":"boom"}`)); !errors.As(err, &re) || re.Msg != "boom" {
		t.Errorf("status error: %v", err)
	}
	if _, err := ToSeries(decode(t, `{"series":[{"pointlist":[[1,"x"]]}]}`)); !errors.Is(err, ErrSchema) {
		t.Errorf("schema: %v", err)
	}
}

func TestRollupSeconds(t *testing.T) {
	for _, tt := range []struct {
		rng, step time.Duration
		want      int64
	}{
		{time.Hour, 0, 0},
		{time.Hour, -time.Second, 0},
		{time.Hour, 100 * time.Millisecond, 3}, // 3,600 s / 1,500 points → 2.4 → 3
		{time.Hour, 15 * time.Second, 15},
		{time.Hour, 61500 * time.Millisecond, 62},
		{30 * 24 * time.Hour, 5 * time.Minute, 1728},
		{0, time.Minute, 60},
		{0, time.Millisecond, 1},
	} {
		if got := RollupSeconds(t0, t0.Add(tt.rng), tt.step); got != tt.want {
			t.Errorf("RollupSeconds(%s, %s) = %d, want %d", tt.rng, tt.step, got, tt.want)
		}
	}
}
