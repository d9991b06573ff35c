package upstream

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCapBody(t *testing.T) {
	body := strings.Repeat("x", 1000)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("chunked") != "" {
			w.(http.Flusher).Flush() // no Content-Length
		}
		_, _ = io.WriteString(w, body)
	}))
	defer ts.Close()
	for _, chunked := range []string{"", "1"} {
		for _, max := range []int64{999, 1000, 1001} {
			hc := &http.Client{Transport: CapBody(nil, Prometheus, max)}
			resp, err := hc.Get(ts.URL + "?chunked=" + chunked)
			var got []byte
			if err == nil {
				got, err = io.ReadAll(resp.Body)
				_ = resp.Body.Close()
			}
			if max < 1000 {
				require.Error(t, err, "max %d chunked %q", max, chunked)
				e, ok := AsError(err)
				require.True(t, ok, "%v", err)
				assert.Equal(t, TooLarge, e.Kind)
				assert.Contains(t, err.Error(), "999 B cap")
				assert.Contains(t, err.Error(), "narrow the query")
			} else {
				require.NoError(t, err, "max %d chunked %q", max, chunked)
				assert.Equal(t, body, string(got))
			}
		}
	}
}

func TestSameHostRedirects(t *testing.T) {
	var leaked []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = append(leaked, r.Header.Get("Authorization"))
	}))
	defer other.Close()
	var seen []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.URL.Path+" "+r.Header.Get("Authorization"))
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/x", http.StatusTemporaryRedirect)
		case "/here":
			http.Redirect(w, r, "/there", http.StatusFound)
		}
	}))
	defer ts.Close()
	hc := &http.Client{Transport: authRT{}}
	SameHostRedirects(hc, Prometheus)

	resp, err := hc.Get(ts.URL + "/here")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, []string{"/here Bearer s3cret", "/there Bearer s3cret"}, seen)

	resp, err = hc.Get(ts.URL + "/away")
	if resp != nil {
		_ = resp.Body.Close()
	}
	require.Error(t, err)
	assert.Contains(t, err.Error(), "credentials are never sent to another host")
	assert.Contains(t, err.Error(), other.URL)
	assert.Empty(t, leaked, "nothing reaches the other host")
	var ue *Error
	assert.True(t, errors.As(err, &ue))
}

type authRT struct{}

func (authRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer s3cret")
	return http.DefaultTransport.RoundTrip(r)
}
