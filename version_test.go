package memshape

import (
	"os"
	"regexp"
	"testing"
)

// The version is package.json's, a release version.
func TestVersion(t *testing.T) {
	raw, err := os.ReadFile("package.json")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`"version":\s*"([^"]+)"`).FindSubmatch(raw)
	if m == nil || Version() != string(m[1]) {
		t.Errorf("Version() = %q, package.json says %q", Version(), m)
	}
	if !regexp.MustCompile(`^\d+\.\d+\.\d+`).MatchString(Version()) {
		t.Errorf("Version() = %q: not a release version", Version())
	}
}
