package datadog

import (
	"fmt"
	"regexp"
	"strings"
)

// TagFilter is one condition on a tag in a metric query's scope: the tag
// has one of Values (key:value, or key IN (a, b)), or none of them (Not).
type TagFilter struct {
	Key    string
	Values []string
	Not    bool
}

// A tag key and a tag value as a scope can hold them: no spaces and none
// of the characters that structure a query (a value may hold colons and
// Datadog's * wildcard).
var (
	tagKey   = regexp.MustCompile(`^[^\s,:{}()!"'` + "`" + `]+$`)
	tagValue = regexp.MustCompile(`^[^\s,{}()!"'` + "`" + `]+$`)
)

// Check says what is wrong with the filter as a Datadog scope condition.
func (f TagFilter) Check() error {
	if !tagKey.MatchString(f.Key) {
		return fmt.Errorf("%q is not a Datadog tag key: a tag key has no spaces, colons, commas, braces or parentheses", f.Key)
	}
	if len(f.Values) == 0 {
		return fmt.Errorf("the filter on %s has no value: pick a value or remove the filter", f.Key)
	}
	for _, v := range f.Values {
		if !tagValue.MatchString(v) {
			return fmt.Errorf("%q is not a value Datadog can match in a scope: a tag value has no spaces, commas, braces or parentheses", v)
		}
	}
	return nil
}

// symbolic writes the condition in the scope syntax of commas and !
// (key:value, !key:value); false when it needs IN.
func (f TagFilter) symbolic() (string, bool) {
	if len(f.Values) != 1 {
		return "", false
	}
	c := f.Key + ":" + f.Values[0]
	if f.Not {
		c = "!" + c
	}
	return c, true
}

// functional writes the condition in the boolean syntax (key:value,
// NOT key:value, key IN (a, b), key NOT IN (a, b)).
func (f TagFilter) functional() string {
	if len(f.Values) == 1 {
		c := f.Key + ":" + f.Values[0]
		if f.Not {
			c = "NOT " + c
		}
		return c
	}
	op := " IN ("
	if f.Not {
		op = " NOT IN ("
	}
	return f.Key + op + strings.Join(f.Values, ", ") + ")"
}

var booleanWord = regexp.MustCompile(`(?i)(^|[\s(])(AND|OR|NOT|IN)([\s(]|$)`)

// AddScope narrows the scope of every metric query in query by the tag
// filters, as a dashboard's ad hoc filters narrow every query of it:
//
//	avg:system.mem.used{*} by {host}          → avg:system.mem.used{kube_namespace:shop} by {host}
//	avg:m{env:prod} by {pod}                  → avg:m{env:prod,kube_namespace:shop} by {pod}
//	avg:m{env:prod OR env:stage}              → avg:m{(env:prod OR env:stage) AND kube_namespace:shop}
//	avg:m{env:prod} with service IN (a, b)    → avg:m{env:prod AND service IN (a, b)}
//
// Datadog does not mix its two scope syntaxes (commas and ! against AND,
// OR, NOT, IN), so a scope written with commas is rewritten in the boolean
// syntax when a filter needs IN. A "by {…}" group is never touched.
func AddScope(query string, filters []TagFilter) (string, error) {
	if len(filters) == 0 {
		return query, nil
	}
	for _, f := range filters {
		if err := f.Check(); err != nil {
			return "", err
		}
	}
	if !balanced(query) {
		return "", fmt.Errorf("the braces of the query do not balance, so its scopes cannot be told apart: fix the query")
	}
	var b strings.Builder
	found := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		if c != '{' || byGroupBefore(query[:i]) {
			b.WriteByte(c)
			continue
		}
		end := i + 1 + strings.IndexByte(query[i+1:], '}')
		b.WriteByte('{')
		b.WriteString(narrow(query[i+1:end], filters))
		b.WriteByte('}')
		i = end
		found = true
	}
	if !found {
		return "", fmt.Errorf("the query has no scope ({…}) to add the ad hoc filters to: write the metric with a scope, e.g. avg:system.mem.used{*}")
	}
	return b.String(), nil
}

// narrow adds the filters to one scope.
func narrow(scope string, filters []TagFilter) string {
	existing := strings.TrimSpace(scope)
	if existing == "*" {
		existing = ""
	}
	functional := booleanWord.MatchString(existing)
	var symbolic []string
	for _, f := range filters {
		s, ok := f.symbolic()
		if !ok {
			functional = true
			break
		}
		symbolic = append(symbolic, s)
	}
	if !functional {
		if existing != "" {
			symbolic = append([]string{existing}, symbolic...)
		}
		return strings.Join(symbolic, ",")
	}
	var parts []string
	switch {
	case existing == "":
	case booleanWord.MatchString(existing):
		parts = append(parts, "("+existing+")")
	default:
		// Commas and ! in the boolean syntax: env:prod,!host:a → env:prod AND NOT host:a.
		for _, term := range strings.Split(existing, ",") {
			term = strings.TrimSpace(term)
			if strings.HasPrefix(term, "!") {
				term = "NOT " + strings.TrimPrefix(term, "!")
			}
			if term != "" {
				parts = append(parts, term)
			}
		}
	}
	for _, f := range filters {
		parts = append(parts, f.functional())
	}
	return strings.Join(parts, " AND ")
}

// byGroupBefore reports whether s ends with the word "by" (any case, any
// spaces after it): the brace that follows opens a group, not a scope.
func byGroupBefore(s string) bool {
	s = strings.TrimRight(s, " \t\r\n")
	if len(s) < 2 || !strings.EqualFold(s[len(s)-2:], "by") {
		return false
	}
	return len(s) == 2 || !isWordByte(s[len(s)-3])
}

func isWordByte(c byte) bool {
	return c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
