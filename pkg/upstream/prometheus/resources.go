package prometheus

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/memshape/memory-datasource/pkg/upstream"
)

// Selection picks the series a metadata call looks at.
type Selection = upstream.Selection

func selParams(s Selection) url.Values {
	p := url.Values{}
	for _, m := range s.Match {
		p.Add("match[]", m)
	}
	if !s.Start.IsZero() {
		p.Set("start", formatTime(s.Start))
	}
	if !s.End.IsZero() {
		p.Set("end", formatTime(s.End))
	}
	return p
}

// Metadata describes one metric (/api/v1/metadata).
type Metadata = upstream.Metadata

// Labels lists the label names of the selected series
// (/api/v1/labels). More names than the series cap is a TooLarge error.
func (c *Client) Labels(ctx context.Context, sel Selection) (names, warnings []string, err error) {
	names = []string{}
	warnings, err = c.call(ctx, c.method, "api/v1/labels", selParams(sel), func(d *decoder) bool { return d.stringList(&names) })
	if err != nil {
		return nil, nil, err
	}
	return names, warnings, nil
}

// LabelValues lists the values of label name over the selected series
// (/api/v1/label/<name>/values; GET, the only method Prometheus allows).
func (c *Client) LabelValues(ctx context.Context, name string, sel Selection) (values, warnings []string, err error) {
	if name == "" {
		return nil, nil, c.badQuery("the label name is empty")
	}
	values = []string{}
	warnings, err = c.call(ctx, http.MethodGet, "api/v1/label/"+url.PathEscape(name)+"/values", selParams(sel), func(d *decoder) bool { return d.stringList(&values) })
	if err != nil {
		return nil, nil, err
	}
	return values, warnings, nil
}

// Series lists the label sets of the selected series (/api/v1/series).
// More than the series cap is a TooLarge error.
func (c *Client) Series(ctx context.Context, sel Selection) (sets []map[string]string, warnings []string, err error) {
	if len(sel.Match) == 0 {
		return nil, nil, c.badQuery("at least one series selector (match[]) is needed to list series")
	}
	sets = []map[string]string{}
	warnings, err = c.call(ctx, c.method, "api/v1/series", selParams(sel), func(d *decoder) bool { return d.labelSets(&sets) })
	if err != nil {
		return nil, nil, err
	}
	return sets, warnings, nil
}

// Metadata gives the type, help and unit of metrics (/api/v1/metadata):
// of metric only when it is not empty, of at most limit metrics when
// limit > 0 (and at most the series cap in any case).
func (c *Client) Metadata(ctx context.Context, metric string, limit int) (map[string][]Metadata, []string, error) {
	p := url.Values{}
	if metric != "" {
		p.Set("metric", metric)
	}
	if limit > 0 {
		p.Set("limit", itoa(limit))
	}
	out := map[string][]Metadata{}
	warnings, err := c.call(ctx, http.MethodGet, "api/v1/metadata", p, func(d *decoder) bool { return d.metadata(out) })
	if err != nil {
		return nil, nil, err
	}
	return out, warnings, nil
}

// tooMany is the cap error for metadata lists.
func (d *decoder) tooMany() bool {
	e := upstream.TooManySeries(upstream.Prometheus, d.lim.MaxSeries)
	e.Msg = "the answer lists more than " + itoa(d.lim.MaxSeries) + " items, the cap on series per query"
	e.Hint = "narrow it with a series selector (match[]) or a shorter time range"
	return d.failErr(e)
}

// stringList reads an array of strings, at most MaxSeries of them.
func (d *decoder) stringList(dst *[]string) bool {
	return d.strings("", dst, d.lim.MaxSeries)
}

// stringMap reads an object, keeping its string members.
func (d *decoder) stringMap(dst map[string]string) bool {
	if d.l.ws() != '{' {
		if d.l.ws() == 0 {
			return d.syntax("an object")
		}
		return d.fail("want an object")
	}
	return d.object(func(k []byte) bool {
		if d.l.ws() != '"' {
			return d.skip()
		}
		v, ok := d.l.str()
		if !ok {
			return d.syntax("a string")
		}
		dst[string(k)] = string(v)
		return true
	})
}

// labelSets reads an array of label sets, at most MaxSeries of them.
func (d *decoder) labelSets(dst *[]map[string]string) bool {
	if d.null() {
		return true
	}
	if d.l.ws() != '[' {
		if d.l.ws() == 0 {
			return d.syntax("an array")
		}
		return d.fail("want an array of label sets")
	}
	d.pushIdx(0)
	defer d.pop()
	return d.array(func(i int) bool {
		d.setIdx(i)
		if d.lim.MaxSeries > 0 && i >= d.lim.MaxSeries {
			return d.tooMany()
		}
		l := map[string]string{}
		if !d.labelMap(l) {
			return false
		}
		*dst = append(*dst, l)
		return true
	})
}

// metadata reads {"metric":[{"type":…,"help":…,"unit":…}],…}, at most
// MaxSeries metrics.
func (d *decoder) metadata(dst map[string][]Metadata) bool {
	if d.l.ws() != '{' {
		if d.l.ws() == 0 {
			return d.syntax("an object")
		}
		return d.fail("want an object of metric names")
	}
	return d.object(func(name []byte) bool {
		metric := string(name)
		if d.lim.MaxSeries > 0 && len(dst) >= d.lim.MaxSeries {
			return d.tooMany()
		}
		d.push(metric)
		defer d.pop()
		if d.l.ws() != '[' {
			if d.l.ws() == 0 {
				return d.syntax("an array")
			}
			return d.fail("want an array of {type, help, unit}")
		}
		list := []Metadata{}
		ok := d.array(func(i int) bool {
			fields := map[string]string{}
			if !d.stringMap(fields) {
				return false
			}
			list = append(list, Metadata{Type: fields["type"], Help: fields["help"], Unit: fields["unit"]})
			return true
		})
		dst[metric] = list
		return ok
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
