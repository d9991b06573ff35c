package datadog

import (
	"errors"
	"net/http"
	"strings"

	"github.com/memshape/memory-datasource/pkg/upstream"
)

func init() { upstream.Register(Upstream{}) }

// Upstream is Datadog as the plugin sees it.
type Upstream struct{}

var _ upstream.Upstream = Upstream{}

// Source is upstream.Datadog.
func (Upstream) Source() upstream.Source { return upstream.Datadog }

// Title is "Datadog".
func (Upstream) Title() string { return "Datadog" }

// Defaults are gzip (a remote service that compresses cheaply) and a cap on
// the body, which its client reads whole before decoding.
func (Upstream) Defaults() upstream.Defaults {
	return upstream.Defaults{MaxBody: upstream.DefaultMaxBody, Compression: true}
}

// Rules plan the panel's step within PanelMaxPoints; the client's
// rollup then keeps each series within MaxPointsPerSeries (RollupSeconds).
// Not cached: the rollup a query gets depends on its range.
func (Upstream) Rules() upstream.Rules {
	return upstream.Rules{MaxPointsPerSeries: PanelMaxPoints}
}

// PanelMaxPoints bounds the points per series the plugin plans a panel's
// step by. It is the bound of the Prometheus query API, which the plugin
// has planned Datadog panels by since it had both; Datadog's own,
// MaxPointsPerSeries, is kept by the rollup the client adds.
const PanelMaxPoints = 11000

// Settings are a Datadog data source's own settings.
type Settings struct {
	// Site is a Datadog site (datadoghq.eu) or a full URL
	// (jsonData.datadogSite).
	Site string
	// APIKey and AppKey are secureJsonData.datadogApiKey and
	// datadogAppKey.
	APIKey, AppKey upstream.Secret
}

// JSONData is a Datadog data source's own jsonData.
type JSONData struct {
	// Site is a Datadog site such as datadoghq.com or datadoghq.eu, or a
	// full URL for a proxy (default datadoghq.com).
	Site string `json:"datadogSite,omitempty"` // SiteSetting
}

// Schema is JSONData and the two keys.
func (Upstream) Schema() upstream.Schema {
	return upstream.Schema{JSONData: JSONData{}, Secure: []upstream.SecureKey{
		{Key: APIKeySetting, Description: "the Datadog API key (required)"},
		{Key: AppKeySetting, Description: "a Datadog application key that may query time series (required)"},
	}}
}

// Settings reads a Datadog data source's site and keys.
func (Upstream) Settings(in upstream.Instance) (upstream.Settings, error) {
	var jd JSONData
	if err := in.Decode(&jd); err != nil {
		return nil, err
	}
	out := &Settings{
		Site:   strings.TrimSpace(jd.Site),
		APIKey: upstream.Secret(in.Secure[APIKeySetting]), AppKey: upstream.Secret(in.Secure[AppKeySetting]),
	}
	if _, err := APIURL(out.Site); err != nil {
		return nil, &upstream.SettingError{Key: SiteSetting, Err: err, Fix: "fix the Datadog site in the data source settings"}
	}
	switch {
	case out.APIKey == "" && out.AppKey == "":
		return nil, &upstream.SettingError{Key: APIKeySetting, Err: errors.New("the Datadog API key and application key are missing"), Fix: "set both in the data source settings"}
	case out.APIKey == "":
		return nil, &upstream.SettingError{Key: APIKeySetting, Err: errors.New("the Datadog API key is missing"), Fix: "set it in the data source settings"}
	case out.AppKey == "":
		return nil, &upstream.SettingError{Key: AppKeySetting, Err: errors.New("the Datadog application key is missing"), Fix: "set it in the data source settings"}
	}
	return out, nil
}

// The settings' keys: the site in jsonData, the keys in secureJsonData.
const (
	SiteSetting   = "datadogSite"
	APIKeySetting = "datadogApiKey"
	AppKeySetting = "datadogAppKey"
)

// CommandLine is memshape's --datadog-site SITE, with the keys from
// DD_API_KEY and DD_APP_KEY (the names Datadog's own tools read).
func (Upstream) CommandLine() upstream.CommandLine {
	return upstream.CommandLine{
		Flag: "datadog-site", Arg: "SITE", Setting: SiteSetting,
		Usage: strings.Join(Sites, ", ") + " or a full URL; the keys are read from DD_API_KEY and DD_APP_KEY. " +
			"--step sets the rollup (Datadog itself returns at most 1,500 points per series)",
		Query: "a Datadog metrics query",
		Env: []upstream.EnvSecret{
			{Var: "DD_API_KEY", Key: APIKeySetting, What: "the API key"},
			{Var: "DD_APP_KEY", Key: AppKeySetting, What: "the application key"},
		},
	}
}

// Header is nil: the keys travel in Datadog's own headers, set by the
// client.
func (s *Settings) Header() http.Header { return nil }

// Echoes is nil: the keys are sent as they are.
func (s *Settings) Echoes() []string { return nil }

// Connect builds the Datadog client.
func (s *Settings) Connect(c upstream.Connection) (upstream.Client, error) {
	cl, err := New(Config{
		Site:   s.Site,
		APIKey: string(s.APIKey), AppKey: string(s.AppKey),
		HTTPClient: c.HTTPClient, MaxBody: c.MaxBody, NoCompression: !c.Compression,
		Timeout: c.Timeout,
	})
	if err != nil {
		return nil, &upstream.SettingError{Key: SiteSetting, Err: err, Fix: "fix the Datadog site in the data source settings"}
	}
	return cl, nil
}
