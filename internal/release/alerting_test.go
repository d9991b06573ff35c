package release

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"text/template"

	"go.yaml.in/yaml/v3"
)

// The shape of Grafana's alert rule provisioning file (apiVersion 1).
type alertFile struct {
	APIVersion int `yaml:"apiVersion"`
	Groups     []struct {
		OrgID    int    `yaml:"orgId"`
		Name     string `yaml:"name"`
		Folder   string `yaml:"folder"`
		Interval string `yaml:"interval"`
		Rules    []struct {
			UID       string `yaml:"uid"`
			Title     string `yaml:"title"`
			Condition string `yaml:"condition"`
			Data      []struct {
				RefID             string         `yaml:"refId"`
				DatasourceUID     string         `yaml:"datasourceUid"`
				RelativeTimeRange map[string]int `yaml:"relativeTimeRange"`
				Model             map[string]any `yaml:"model"`
			} `yaml:"data"`
			For          string            `yaml:"for"`
			NoDataState  string            `yaml:"noDataState"`
			ExecErrState string            `yaml:"execErrState"`
			Labels       map[string]string `yaml:"labels"`
			Annotations  map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// The fields of a Memory Shape query (CONTRACT.md) and those Grafana adds.
var (
	queryFields  = []string{"expr", "legendFormat", "limitBytes", "limitExpr", "sensitivity", "output", "alertValue", "analysisWindow", "refId", "intervalMs", "maxDataPoints", "datasource", "hide"}
	alertValues  = []string{"leak_confidence", "growth_confidence", "growth_bytes_per_hour", "hours_to_limit"}
	noDataStates = []string{"NoData", "Alerting", "OK", "KeepLast"}
	errStates    = []string{"Error", "Alerting", "OK", "KeepLast"}
)

func readRules(t *testing.T) alertFile {
	t.Helper()
	b, err := os.ReadFile("../../provisioning/alerting/memshape-rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	var f alertFile
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true) // a misspelt key is an error, as in Grafana
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("memshape-rules.yml: %v", err)
	}
	return f
}

// provisionedUID is the uid of the provisioned Memory Shape data source.
func provisionedUID(t *testing.T) string {
	b, err := os.ReadFile("../../provisioning/datasources/datasources.yml")
	if err != nil {
		t.Fatal(err)
	}
	var ds struct {
		Datasources []struct{ Type, UID string } `yaml:"datasources"`
	}
	if err := yaml.Unmarshal(b, &ds); err != nil {
		t.Fatal(err)
	}
	for _, d := range ds.Datasources {
		if d.Type == "memshape-memory-datasource" {
			return d.UID
		}
	}
	t.Fatal("no Memory Shape data source is provisioned")
	return ""
}

func TestAlertRulesAreWellFormed(t *testing.T) {
	f := readRules(t)
	uid := provisionedUID(t)
	if f.APIVersion != 1 || len(f.Groups) != 1 {
		t.Fatalf("apiVersion %d, %d groups: want 1 and 1", f.APIVersion, len(f.Groups))
	}
	g := f.Groups[0]
	if g.OrgID != 1 || g.Name == "" || g.Folder == "" || g.Interval == "" {
		t.Errorf("group %+v: needs orgId, name, folder, interval", g)
	}
	seen := map[string]bool{}
	for _, r := range g.Rules {
		if r.UID == "" || seen[r.UID] || len(r.UID) > 40 {
			t.Errorf("rule %q: uid %q missing, repeated or longer than 40", r.Title, r.UID)
		}
		seen[r.UID] = true
		if !slices.Contains(noDataStates, r.NoDataState) || !slices.Contains(errStates, r.ExecErrState) {
			t.Errorf("%s: noDataState %q / execErrState %q", r.UID, r.NoDataState, r.ExecErrState)
		}
		refs := map[string]bool{}
		for _, d := range r.Data {
			refs[d.RefID] = true
			if d.Model["refId"] != d.RefID {
				t.Errorf("%s/%s: the model's refId is %v", r.UID, d.RefID, d.Model["refId"])
			}
			if d.DatasourceUID == "__expr__" {
				continue
			}
			if d.DatasourceUID != uid {
				t.Errorf("%s/%s: datasourceUid %q, want the provisioned Memory Shape %q", r.UID, d.RefID, d.DatasourceUID, uid)
			}
			if d.RelativeTimeRange["from"] < 24*3600 {
				t.Errorf("%s/%s: looks back %d s; Memory Shape needs at least a day", r.UID, d.RefID, d.RelativeTimeRange["from"])
			}
			for k := range d.Model {
				if !slices.Contains(queryFields, k) {
					t.Errorf("%s/%s: model field %q is not in the query contract", r.UID, d.RefID, k)
				}
			}
			if d.Model["output"] != "alert" || !slices.Contains(alertValues, fmt.Sprint(d.Model["alertValue"])) {
				t.Errorf("%s/%s: output %v, alertValue %v: want the alert output and a contract alertValue", r.UID, d.RefID, d.Model["output"], d.Model["alertValue"])
			}
		}
		if !refs[r.Condition] {
			t.Errorf("%s: condition %q is none of its queries", r.UID, r.Condition)
		}
		for name, text := range r.Annotations {
			if _, err := template.New(name).Funcs(alertFuncs).Parse(alertPrelude + text); err != nil {
				t.Errorf("%s: annotation %s does not parse: %v", r.UID, name, err)
			}
		}
	}
}

// query returns the model of refId in the rule uid.
func rule(t *testing.T, uid string) (models map[string]map[string]any, forDur string, annotations map[string]string) {
	t.Helper()
	for _, r := range readRules(t).Groups[0].Rules {
		if r.UID == uid {
			models = map[string]map[string]any{}
			for _, d := range r.Data {
				models[d.RefID] = d.Model
			}
			cond := models[r.Condition]
			models["condition"] = cond
			return models, r.For, r.Annotations
		}
	}
	t.Fatalf("no rule %s", uid)
	return nil, "", nil
}

func TestTheLeakRule(t *testing.T) {
	m, forDur, ann := rule(t, "memshape-leak")
	if m["A"]["alertValue"] != "leak_confidence" || m["condition"]["type"] != "math" || m["condition"]["expression"] != "$A >= 0.8" || forDur != "30m" {
		t.Errorf("want leak_confidence ≥ 0.8 for 30m; got %v %v %q", m["A"]["alertValue"], m["condition"], forDur)
	}
	got := render(t, ann["description"], map[string]float64{"A": 0.93})
	want := "Memory Shape calls the memory of shop/cart a leak with confidence 93%: it grows steadily, with no sign of slowing. Its growth per hour, the fitted curve and the time to its limit are on its service dashboard."
	if got != want {
		t.Errorf("description:\n got %q\nwant %q", got, want)
	}
	if s := render(t, ann["summary"], nil); s != "shop/cart is leaking memory (leak)" {
		t.Errorf("summary %q", s)
	}
}

func TestTheLimitWithin24HoursRule(t *testing.T) {
	m, _, ann := rule(t, "memshape-limit-24h")
	if m["A"]["alertValue"] != "hours_to_limit" || m["condition"]["expression"] != "$A <= 24" {
		t.Errorf("want hours_to_limit ≤ 24; got %v %v", m["A"]["alertValue"], m["condition"])
	}
	got := render(t, ann["description"], map[string]float64{"A": 7.5})
	if want := "shop/cart (leak) reaches its memory limit in 7.5 hours at the rate it grows now."; got != want {
		t.Errorf("description:\n got %q\nwant %q", got, want)
	}
}

// Each rule runs its query once: one Memory Shape query, the threshold a
// server-side expression on it and on nothing else.
func TestEachRuleRunsOneQuery(t *testing.T) {
	for _, r := range readRules(t).Groups[0].Rules {
		var queries, expressions []string
		for _, d := range r.Data {
			if d.DatasourceUID == "__expr__" {
				expressions = append(expressions, fmt.Sprint(d.Model["expression"]))
			} else {
				queries = append(queries, d.RefID)
			}
		}
		if len(queries) != 1 || len(expressions) != 1 {
			t.Errorf("%s: %d queries and %d expressions, want one of each", r.UID, len(queries), len(expressions))
			continue
		}
		if refs := exprRefs(expressions[0]); len(refs) != 1 || refs[0] != queries[0] {
			t.Errorf("%s: the expression %q reads %v, want only $%s", r.UID, expressions[0], refs, queries[0])
		}
	}
}

// exprRefs lists the $refIds a math expression reads.
func exprRefs(expr string) []string {
	var refs []string
	for _, f := range strings.FieldsFunc(expr, func(r rune) bool { return r != '$' && !('A' <= r && r <= 'Z') && !('a' <= r && r <= 'z') }) {
		if strings.HasPrefix(f, "$") {
			refs = append(refs, strings.TrimPrefix(f, "$"))
		}
	}
	return refs
}

// The rules link to the service dashboard with the alert's series picked:
// the dashboard the rule names, variables it has, the labels' values
// URL-encoded, and the rule's 7 days.
func TestTheRulesLinkToTheServiceDashboard(t *testing.T) {
	b, err := os.ReadFile("../../provisioning/dashboards/service.json")
	if err != nil {
		t.Fatal(err)
	}
	var service struct {
		UID        string `json:"uid"`
		Templating struct {
			List []struct {
				Name string `json:"name"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &service); err != nil {
		t.Fatal(err)
	}
	vars := map[string]bool{}
	for _, v := range service.Templating.List {
		vars[v.Name] = true
	}
	links := map[string]bool{}
	for _, r := range readRules(t).Groups[0].Rules {
		text := r.Annotations["service_dashboard_url"]
		links[text] = true
		if r.Annotations["__dashboardUid__"] != service.UID {
			t.Errorf("%s: __dashboardUid__ %q, want the service dashboard %q", r.UID, r.Annotations["__dashboardUid__"], service.UID)
		}
		got := renderWith(t, text, map[string]string{"namespace": "shop", "workload": "cart #2", "memshape_shape": "leak"}, nil)
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("%s: %q is no URL: %v", r.UID, got, err)
		}
		if !strings.HasPrefix(u.Path, "/d/"+service.UID+"/") {
			t.Errorf("%s: %q does not open the service dashboard", r.UID, got)
		}
		q := u.Query()
		for k := range q {
			if name, ok := strings.CutPrefix(k, "var-"); ok && !vars[name] {
				t.Errorf("%s: %q sets $%s, which the service dashboard does not have", r.UID, got, name)
			}
		}
		if q.Get("var-namespace") != "shop" || q.Get("var-workload") != "cart #2" || q.Get("var-datasource") != provisionedUID(t) {
			t.Errorf("%s: %q does not pick the alert's series on the provisioned data source", r.UID, got)
		}
		if q.Get("from") != "now-7d" || q.Get("to") != "now" {
			t.Errorf("%s: %q: want the rule's 7 days", r.UID, got)
		}
	}
	if len(links) != 1 {
		t.Errorf("the rules link differently: %v", links)
	}
}

// Grafana runs annotation templates as Go templates with $labels, $values
// and $value defined first, and Prometheus' humanize functions.
const alertPrelude = `{{- $labels := .Labels -}}{{- $values := .Values -}}{{- $value := .Value -}}`

var alertFuncs = template.FuncMap{
	"humanizePercentage": func(v float64) string { return fmt.Sprintf("%.4g%%", v*100) },
	"humanize1024": func(v float64) string {
		units := []string{"", "Ki", "Mi", "Gi", "Ti"}
		i := 0
		for math.Abs(v) >= 1024 && i < len(units)-1 {
			v /= 1024
			i++
		}
		return fmt.Sprintf("%.4g%s", v, units[i])
	},
}

type alertValue struct {
	Labels map[string]string
	Value  float64
}

func render(t *testing.T, text string, values map[string]float64) string {
	t.Helper()
	return renderWith(t, text, map[string]string{"namespace": "shop", "workload": "cart", "container": "app", "memshape_shape": "leak"}, values)
}

func renderWith(t *testing.T, text string, labels map[string]string, values map[string]float64) string {
	t.Helper()
	vs := map[string]alertValue{}
	for k, v := range values {
		vs[k] = alertValue{Labels: labels, Value: v}
	}
	tmpl, err := template.New("a").Funcs(alertFuncs).Parse(alertPrelude + text)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, map[string]any{"Labels": labels, "Values": vs, "Value": ""}); err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
