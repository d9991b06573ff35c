package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/memshape/memory-datasource/pkg/plot"
	"github.com/memshape/memory-datasource/pkg/series"
)

// writePlots draws one PNG per row into dir (created if need be) with
// pkg/plot: the series — a workload's pods and containers together — the
// fitted curves, jumps, restarts, the limit and the verdict as its title.
// Files are named NN-<row>.png in output order, <row> being the values of
// the labels that tell the rows apart (all of them but the metric name for
// one row). It returns the files written and a warning for each row that
// could not be drawn (e.g. fewer than two points); err is for dir itself.
func writePlots(dir string, rows []row, limit float64) (written, warnings []string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("--plot: %w", err)
	}
	width := len(fmt.Sprint(len(rows)))
	named := make([]series.Series, len(rows))
	for i, r := range rows {
		named[i] = series.Series{Labels: r.labels}
	}
	keys := distinguishing(named)
	for i, r := range rows {
		name := fmt.Sprintf("%0*d-%s.png", width, i+1, fileName(shortName(named[i], keys)))
		path := filepath.Join(dir, name)
		if err := writePlot(path, r, limit); err != nil {
			warnings = append(warnings, fmt.Sprintf("%s: not plotted: %v", r.name(), err))
			continue
		}
		written = append(written, path)
	}
	return written, warnings, nil
}

func writePlot(path string, r row, limit float64) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	return plot.RenderWorkload(f, r.members, r.v, plot.Options{Title: r.name(), Limit: limit})
}

// distinguishing returns the label keys, sorted, whose values differ
// between the series; for a single series, every key but __name__.
func distinguishing(ss []series.Series) []string {
	all := map[string]bool{}
	for _, s := range ss {
		for k := range s.Labels {
			all[k] = true
		}
	}
	var keys []string
	for k := range all {
		if len(ss) == 1 {
			if k != "__name__" {
				keys = append(keys, k)
			}
			continue
		}
		first, ok := ss[0].Labels[k]
		for _, s := range ss[1:] {
			if v, has := s.Labels[k]; has != ok || v != first {
				keys = append(keys, k)
				break
			}
		}
	}
	sort.Strings(keys)
	return keys
}

// shortName is the series' values of keys joined by '_', else its metric
// name.
func shortName(s series.Series, keys []string) string {
	var parts []string
	for _, k := range keys {
		if v := s.Labels[k]; v != "" {
			parts = append(parts, v)
		}
	}
	if len(parts) == 0 {
		return s.Labels["__name__"]
	}
	return strings.Join(parts, "_")
}

// fileName turns a series name into a portable file name: letters, digits,
// '.', '-' and '_' kept, runs of anything else one '_', at most 80 bytes.
func fileName(name string) string {
	var b strings.Builder
	under := false
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_'
		if ok {
			b.WriteRune(r)
			under = false
		} else if !under {
			b.WriteByte('_')
			under = true
		}
		if b.Len() >= 80 {
			break
		}
	}
	s := strings.Trim(b.String(), "_.")
	if s == "" {
		return "series"
	}
	return s
}
