package promtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"time"

	"github.com/klauspost/compress/snappy"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/memshape/memory-datasource/pkg/series"
)

// Push appends samples to the running server through its remote-write
// receiver (Options.RemoteWrite), as a Prometheus agent would: each
// series' samples must be newer than what the server holds for it.
func (s *Server) Push(ctx context.Context, ss ...series.Series) error {
	body := snappy.Encode(nil, writeRequest(ss))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/api/v1/write", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	hc := s.HTTPClient()
	hc.Timeout = time.Minute
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("remote write: HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}

// writeRequest encodes the remote-write protocol's WriteRequest (v1):
//
//	WriteRequest { repeated TimeSeries timeseries = 1; }
//	TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
//	Label        { string name = 1; string value = 2; }
//	Sample       { double value = 1; int64 timestamp = 2; }
//
// The message is small and stable, and the Go types for it live only in
// the Prometheus server module, which is far too big to import for this.
func writeRequest(ss []series.Series) []byte {
	var out []byte
	for _, s := range ss {
		var ts []byte
		names := make([]string, 0, len(s.Labels))
		for k := range s.Labels {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			var l []byte
			l = protowire.AppendTag(l, 1, protowire.BytesType)
			l = protowire.AppendString(l, k)
			l = protowire.AppendTag(l, 2, protowire.BytesType)
			l = protowire.AppendString(l, s.Labels[k])
			ts = protowire.AppendTag(ts, 1, protowire.BytesType)
			ts = protowire.AppendBytes(ts, l)
		}
		for i := range s.T {
			var smp []byte
			smp = protowire.AppendTag(smp, 1, protowire.Fixed64Type)
			smp = protowire.AppendFixed64(smp, math.Float64bits(s.V[i]))
			smp = protowire.AppendTag(smp, 2, protowire.VarintType)
			smp = protowire.AppendVarint(smp, uint64(s.T[i]))
			ts = protowire.AppendTag(ts, 2, protowire.BytesType)
			ts = protowire.AppendBytes(ts, smp)
		}
		out = protowire.AppendTag(out, 1, protowire.BytesType)
		out = protowire.AppendBytes(out, ts)
	}
	return out
}
