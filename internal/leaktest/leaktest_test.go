package leaktest

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"html/template"
	"net/url"
	"strings"
	"testing"
)

// Find sees a secret, or any 6 characters of it, however it was written.
func TestFindSeesEveryEncoding(t *testing.T) {
	secret := `Kx8v<Q2&mW"p9'/Lr é  4Tz`
	j, _ := json.Marshal(secret)
	written := map[string]string{
		"as is":         secret,
		"a piece":       secret[2:8],
		"URL":           url.QueryEscape(secret),
		"URL path":      url.PathEscape(secret),
		"JSON":          strings.ReplaceAll(string(j), "/", `\/`),
		"JavaScript":    template.JSEscapeString(secret),
		"HTML":          html.EscapeString(secret),
		"collapsed":     strings.Join(strings.Fields(secret), " "),
		"Basic":         "Basic " + base64.StdEncoding.EncodeToString([]byte("grafana:"+secret)),
		"Basic, cut":    "Basic " + base64.StdEncoding.EncodeToString([]byte("ann:" + secret))[:20],
		"base64url":     base64.URLEncoding.EncodeToString([]byte("xy" + secret)),
		"JSON of JSON":  func() string { b, _ := json.Marshal(string(j)); return string(b) }(),
		"JSON of HTML":  func() string { b, _ := json.Marshal(html.EscapeString(secret)); return string(b) }(),
		"URL-lower hex": strings.ToLower(url.QueryEscape(secret)),
	}
	for name, w := range written {
		if _, found := Find("error: "+w+" (more)", secret); !found {
			t.Errorf("%s: %q not found", name, w)
		}
	}
	for _, clean := range []string{"error: [redacted] (more)", "Kx8v", "Basic " + base64.StdEncoding.EncodeToString([]byte("grafana:other"))} {
		if l, found := Find(clean, secret); found {
			t.Errorf("%q: found %q (%s)", clean, l.Piece, l.View)
		}
	}
	if _, found := FindWhole("sent Bearer%20k9", "Bearer k9"); !found {
		t.Error("a URL-escaped short value not found whole")
	}
	if _, found := FindWhole("sent Bearer", "Bearer k9"); found {
		t.Error("a part of a short value found as whole")
	}
}
