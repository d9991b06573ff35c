package input

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead checks that Read never panics and that whatever it accepts is
// well formed: equal-length slices and non-nil labels.
func FuzzRead(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", " ", "{", "[", "[]", "{}", "null", `[null]`, `[[]]`, `{"data":null}`,
		`{"series":null}`, `{"series":[null]}`, `{"series":[{"pointlist":[null,[],[null,null]]}]}`,
		`{"data":{"resultType":"matrix","result":[null]}}`,
		`[{"metric":null,"values":[null,[],["1."],["-1.5","NaN"],[1e400,"1"]]}]`,
		`{"series":[{"pointlist":[[1e300,1],[-1e300,null]]}]}`,
		"1,2\n3,4,5\n", "\"", "a,b\n", "1e400,1\n", "-1e11,1\n", "1,1e400\n",
		"\xef\xbb\xbf{\"errors\":[]}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Read(bytes.NewReader(data))
		ss, format := res.Series, res.Format
		if err != nil {
			if ss != nil || res.Warnings != nil {
				t.Fatalf("error %v with %d series", err, len(ss))
			}
			return
		}
		if ss == nil {
			t.Fatalf("format %s: nil series with no error", format)
		}
		for i, s := range ss {
			if len(s.T) != len(s.V) {
				t.Fatalf("series %d: %d timestamps, %d values", i, len(s.T), len(s.V))
			}
			if s.Labels == nil {
				t.Fatalf("series %d: nil labels", i)
			}
			_ = s.Name()
		}
	})
}
