package datadog

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Sites are the Datadog sites by the name Datadog gives them (the part of
// the web address after "app."). The API of site S answers at
// https://api.S.
var Sites = []string{
	"datadoghq.com",
	"us3.datadoghq.com",
	"us5.datadoghq.com",
	"datadoghq.eu",
	"ap1.datadoghq.com",
	"ap2.datadoghq.com",
	"ddog-gov.com",
	"uk1.datadoghq.com",
	"us2.ddog-gov.com",
}

// DefaultSite is the site used when none is given.
const DefaultSite = "datadoghq.com"

// APIURL returns the API base URL for site: one of Sites (its API host,
// https://api.<site>), or a full http(s) URL, used as given (a proxy, or a
// test server; a path prefix is kept). An empty site is DefaultSite.
func APIURL(site string) (*url.URL, error) {
	s := strings.TrimSpace(site)
	if s == "" {
		s = DefaultSite
	}
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			// url.Error repeats the URL, password included: keep the cause only.
			cause := err
			var ue *url.Error
			if errors.As(err, &ue) {
				cause = ue.Err
			}
			return nil, fmt.Errorf("datadog site %q is not a valid URL: %v", redactURL(s), cause)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return nil, fmt.Errorf("datadog site URL %q must start with http:// or https://", u.Redacted())
		}
		if u.Host == "" {
			return nil, fmt.Errorf("datadog site URL %q has no host", u.Redacted())
		}
		u.Path = strings.TrimRight(u.Path, "/")
		u.RawPath = ""
		u.RawQuery, u.Fragment = "", ""
		return u, nil
	}
	name := strings.TrimSuffix(strings.ToLower(s), "/")
	for _, known := range Sites {
		if name == known {
			return &url.URL{Scheme: "https", Host: "api." + known}, nil
		}
	}
	hint := ""
	for _, prefix := range []string{"app.", "api.", "www."} {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			for _, known := range Sites {
				if rest == known {
					hint = fmt.Sprintf(" (did you mean %s?)", known)
				}
			}
		}
	}
	return nil, fmt.Errorf("unknown Datadog site %q%s: use one of %s, or a full URL such as https://api.datadoghq.com",
		s, hint, strings.Join(Sites, ", "))
}

// redactURL removes a password from a URL that does not parse.
func redactURL(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if slash := strings.Index(rest, "/"); slash < 0 || slash > at {
			return scheme + "://…@" + rest[at+1:]
		}
	}
	return s
}
