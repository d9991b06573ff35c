package promtest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/memshape/memory-datasource/pkg/series"
)

func TestOpenMetrics(t *testing.T) {
	got, err := OpenMetrics(
		series.Series{Labels: map[string]string{"__name__": "mem", "pod": `a"b`}, T: []int64{2500, 1000, 1000}, V: []float64{2, math.NaN(), 9}},
		series.Series{Labels: map[string]string{"__name__": "a_mem"}, T: []int64{1000}, V: []float64{math.Inf(1)}},
	)
	if err != nil {
		t.Fatal(err)
	}
	want := "# TYPE a_mem gauge\na_mem +Inf 1\n# TYPE mem gauge\nmem{pod=\"a\\\"b\"} NaN 1\nmem{pod=\"a\\\"b\"} 2 2.500\n# EOF\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := OpenMetrics(series.Series{Labels: map[string]string{"pod": "x"}}); err == nil {
		t.Fatal("want an error for a series without __name__")
	}
}

// Without the binaries Launch names what is missing and how to get it,
// and starts nothing.
func TestLaunchWithoutBinaries(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	srv, err := Launch(Options{})
	if err == nil {
		srv.Stop()
		t.Fatal("launched a Prometheus with an empty PATH")
	}
	for _, want := range []string{"prometheus and promtool not found in PATH", InstallHint} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// TestStart backfills a series and reads it back through the HTTP API.
func TestStart(t *testing.T) {
	end := time.Now().Truncate(time.Minute)
	s := series.Series{Labels: map[string]string{"__name__": "memshape_test_bytes", "pod": "p1"}}
	for i := 0; i < 60; i++ {
		s.T = append(s.T, end.Add(-time.Duration(59-i)*time.Minute).UnixMilli())
		s.V = append(s.V, float64(1000+i))
	}
	started := time.Now()
	srv := Start(t, s)
	t.Logf("prometheus %q ready at %s in %s", srv.Version, srv.URL, time.Since(started).Round(time.Millisecond))
	if srv.Backfill <= 0 || srv.Startup <= 0 {
		t.Errorf("backfill %s, startup %s: both are measured", srv.Backfill, srv.Startup)
	}

	q := url.Values{"query": {"memshape_test_bytes"}, "time": {fmt.Sprint(end.Unix())}}
	resp, err := http.Get(srv.URL + "/api/v1/query?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  []any             `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if len(body.Data.Result) != 1 || body.Data.Result[0].Metric["pod"] != "p1" || body.Data.Result[0].Value[1] != "1059" {
		t.Fatalf("unexpected result: %+v", body.Data.Result)
	}
	if !strings.HasPrefix(srv.Version, "prometheus") {
		t.Errorf("version %q", srv.Version)
	}
}

// TestStartSecured runs the server behind TLS, client certificates and
// basic auth (a password with the characters URLs mangle), and appends to
// it through remote write.
func TestStartSecured(t *testing.T) {
	auth := &BasicAuth{User: "grafana", Password: "p/ss#w?rd@1"}
	srv := StartWith(t, Options{BasicAuth: auth, ClientCert: true, RemoteWrite: true})
	if !strings.HasPrefix(srv.URL, "https://127.0.0.1:") || srv.CAPEM == nil || srv.ClientCertPEM == nil {
		t.Fatalf("server %+v", srv)
	}
	get := func(hc *http.Client) (int, error) {
		resp, err := hc.Get(srv.URL + "/api/v1/status/buildinfo")
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if code, err := get(srv.HTTPClient()); err != nil || code != http.StatusOK {
		t.Fatalf("with every credential: %d %v", code, err)
	}
	if _, err := get(&http.Client{}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without the CA: %v", err)
	}
	noCert := srv.HTTPClient()
	noCert.Transport.(basicAuthRT).next.(*http.Transport).TLSClientConfig.Certificates = nil
	if _, err := get(noCert); err == nil {
		t.Errorf("without a client certificate: no error")
	}
	wrong := &Server{CAPEM: srv.CAPEM, ClientCertPEM: srv.ClientCertPEM, ClientKeyPEM: srv.ClientKeyPEM,
		BasicAuth: &BasicAuth{User: "grafana", Password: "nope"}}
	if code, err := get(wrong.HTTPClient()); err != nil || code != http.StatusUnauthorized {
		t.Errorf("wrong password: %d %v", code, err)
	}

	now := time.Now().Truncate(time.Second)
	s := series.Series{Labels: map[string]string{"__name__": "memshape_pushed_bytes", "pod": "x"},
		T: []int64{now.Add(-time.Minute).UnixMilli(), now.UnixMilli()}, V: []float64{1, 2}}
	if err := srv.Push(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	q := url.Values{"query": {"memshape_pushed_bytes"}, "time": {fmt.Sprint(now.Unix())}}
	resp, err := srv.HTTPClient().Get(srv.URL + "/api/v1/query?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Result []struct {
				Value []any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if len(body.Data.Result) != 1 || body.Data.Result[0].Value[1] != "2" {
		t.Fatalf("pushed sample not found: %+v", body)
	}
	// Out of order is refused, as it would be from an agent.
	if err := srv.Push(context.Background(), series.Series{Labels: s.Labels, T: []int64{now.Add(-time.Hour).UnixMilli()}, V: []float64{0}}); err == nil {
		t.Error("an out-of-order sample was accepted")
	}
}
