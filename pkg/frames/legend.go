package frames

import (
	"regexp"
	"strings"
)

var legendRe = regexp.MustCompile(`\{\{\s*(.+?)\s*\}\}`)

// Legend applies Prometheus-style legend templating: each {{label}} in
// format is replaced by the label's value (empty when missing). An empty
// format gives "".
func Legend(format string, labels map[string]string) string {
	if strings.TrimSpace(format) == "" {
		return ""
	}
	return legendRe.ReplaceAllStringFunc(format, func(m string) string {
		name := legendRe.FindStringSubmatch(m)[1]
		return labels[name]
	})
}
