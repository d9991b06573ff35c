package prometheus

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
)

// BenchmarkDecode compares, on an in-memory body of 1,000 series × 1,440
// points as Prometheus writes it: reading the bytes only (the floor), the
// streaming decoder, and encoding/json into client_golang's model.Matrix
// (what the client did before).
func BenchmarkDecode(b *testing.B) {
	body := matrixBody(1000, 1440)
	b.Run("read-only", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			_, _ = io.Copy(io.Discard, strings.NewReader(body))
		}
	})
	b.Run("stream", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeQueryRange(strings.NewReader(body), DecodeOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("model-matrix", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var resp struct {
				Data struct {
					Result model.Matrix `json:"result"`
				} `json:"data"`
			}
			raw, _ := io.ReadAll(strings.NewReader(body))
			if err := json.Unmarshal(raw, &resp); err != nil {
				b.Fatal(err)
			}
		}
	})
}
