package units

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestParseBytes(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{"2GiB", 2 << 30},
		{"512MiB", 512 << 20},
		{"1.5GB", 1.5e9},
		{"1e9", 1e9},
		{"1E9", 1e9},
		{"2.5e+3", 2500},
		{"4096", 4096},
		{"0", 0},
		{"100B", 100},
		{"100 b", 100},
		{"1kB", 1000},
		{"1KB", 1000},
		{"1k", 1000},
		{"1KiB", 1024},
		{"1.5KiB", 1536},
		{"800Mi", 800 << 20},
		{"2Gi", 2 << 30},
		{"2G", 2e9},
		{"2 GiB", 2 << 30},
		{"  2gib ", 2 << 30},
		{"1TiB", 1 << 40},
		{"1TB", 1e12},
		{"1PB", 1e15},
		{"1EiB", 1 << 60},
		{"1e", 1e18},  // bare exa prefix, not a broken exponent
		{"2EB", 2e18}, // E followed by a letter is the unit
		{".5GB", 0.5e9},
		{"+3MB", 3e6},
	}
	for _, tt := range tests {
		got, err := ParseBytes(tt.in)
		if err != nil {
			t.Errorf("ParseBytes(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseBytes(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseBytesErrors(t *testing.T) {
	tests := []struct {
		in, wantSub string
	}{
		{"", "empty"},
		{"   ", "empty"},
		{"GiB", "no number"},
		{"abc", "no number"},
		{"2XB", "unknown unit"},
		{"2 bits", "unknown unit"},
		{"2GiB/s", "unknown unit"},
		{"2 G B", "unknown unit"},
		{"-1GB", "negative"},
		{"1.2.3", "not a number"},
		{"1e999", "not a number"},
		{"1e300EB", "out of range"},
		{"NaN", "no number"},
		{"Inf", "no number"},
	}
	for _, tt := range tests {
		_, err := ParseBytes(tt.in)
		if err == nil {
			t.Errorf("ParseBytes(%q): no error, want one containing %q", tt.in, tt.wantSub)
			continue
		}
		if !strings.Contains(err.Error(), tt.wantSub) {
			t.Errorf("ParseBytes(%q) error %q, want it to contain %q", tt.in, err, tt.wantSub)
		}
	}
}

func TestFormatBytesIEC(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0 B"},
		{1023, "1023 B"},
		{1024, "1 KiB"},
		{512 << 20, "512 MiB"},
		{1.5 * (1 << 30), "1.5 GiB"},
		{1023.99 * (1 << 20), "1 GiB"},
		{812 << 20, "812 MiB"},
		{12.34 * (1 << 20), "12 MiB"},
		{-2.1 * (1 << 20), "-2.1 MiB"},
		{-0.01, "0 B"},
		{1 << 70, "1024 EiB"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "+Inf"},
		{math.Inf(-1), "-Inf"},
	}
	for _, tt := range tests {
		if got := FormatBytesIEC(tt.in); got != tt.want {
			t.Errorf("FormatBytesIEC(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatBytesRangeIEC(t *testing.T) {
	const mib, gib = 1 << 20, 1 << 30
	for _, tt := range []struct {
		lo, hi float64
		want   string
	}{
		{613 * mib, 615 * mib, "613–615 MiB"},
		{1.12 * gib, 1.14 * gib, "about 1.1 GiB"},
		{1023.4 * mib, 1023.99 * mib, "about 1 GiB"},
		{1000 * mib, 1.5 * gib, "1–1.5 GiB"},
		{360 * mib, 381 * mib, "360–381 MiB"},
		{512, 3 * 1024, "0.5–3 KiB"},
		{0, 0, "about 0 B"},
		{-5, 10, "-5 B–10 B"},
	} {
		if got := FormatBytesRangeIEC(tt.lo, tt.hi); got != tt.want {
			t.Errorf("FormatBytesRangeIEC(%v, %v) = %q, want %q", tt.lo, tt.hi, got, tt.want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, s := range []string{"512 MiB", "1.5 GiB", "2 TiB", "7 B"} {
		b, err := ParseBytes(s)
		if err != nil {
			t.Fatal(err)
		}
		if back := FormatBytesIEC(b); back != s {
			t.Errorf("round trip %q -> %v -> %q", s, b, back)
		}
	}
}

func TestIECUnit(t *testing.T) {
	for _, tt := range []struct {
		in   float64
		size float64
		name string
	}{
		{0, 1, "B"}, {1023, 1, "B"}, {1024, 1024, "KiB"}, {-3 << 30, 1 << 30, "GiB"}, {1 << 70, 1 << 60, "EiB"},
	} {
		if size, name := IECUnit(tt.in); size != tt.size || name != tt.name {
			t.Errorf("IECUnit(%g) = %g %s, want %g %s", tt.in, size, name, tt.size, tt.name)
		}
	}
}

func TestFormatGrowth(t *testing.T) {
	for in, want := range map[float64]string{
		38 << 20: "+38 MiB/h", -1.2 * (1 << 30): "-1.2 GiB/h", 0: "0 B/h", 0.001: "0 B/h", -0.001: "0 B/h",
	} {
		if got := FormatGrowth(in); got != want {
			t.Errorf("FormatGrowth(%g) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for in, want := range map[time.Duration]string{
		45 * time.Second: "45 s", 45 * time.Minute: "45 min", 90 * time.Minute: "1.5 h", 9 * time.Hour: "9 h",
		14 * time.Hour: "14 h", 47 * time.Hour: "47 h", 60 * time.Hour: "2.5 days", 7 * 24 * time.Hour: "7 days",
		-2 * time.Hour: "-2 h", 0: "0 s", math.MinInt64: "-106752 days", math.MaxInt64: "106752 days",
	} {
		if got := FormatDuration(in); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatDurationRange(t *testing.T) {
	for _, tt := range []struct {
		lo, hi time.Duration
		want   string
	}{
		{24 * time.Hour, 45 * time.Hour, "24–45 h"},
		{48 * time.Hour, 84 * time.Hour, "2–3.5 days"},
		{45 * time.Minute, 2 * time.Hour, "45 min–2 h"},
		{30 * time.Hour, 60 * time.Hour, "30 h–2.5 days"},
		{9 * time.Hour, 9*time.Hour + time.Minute, "9 h"},
		{0, 3 * time.Hour, "0 s–3 h"},
	} {
		if got := FormatDurationRange(tt.lo, tt.hi); got != tt.want {
			t.Errorf("FormatDurationRange(%v, %v) = %q, want %q", tt.lo, tt.hi, got, tt.want)
		}
	}
}

func FuzzParseBytes(f *testing.F) {
	for _, s := range []string{"2GiB", "1e9", "1.5GB", "", "e", "1e+", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseBytes(s)
		if err == nil && (b < 0 || math.IsNaN(b) || math.IsInf(b, 0)) {
			t.Fatalf("ParseBytes(%q) = %v with no error", s, b)
		}
	})
}

// The two ends of a change read differently whenever they differ.
func TestFormatBytesPairIEC(t *testing.T) {
	const mib, gib = 1 << 20, 1 << 30
	for _, tt := range []struct {
		a, b   float64
		wa, wb string
	}{
		{1.46 * gib, 1.46*gib + 80*mib, "1.46 GiB", "1.54 GiB"}, // 1.5 GiB to 1.5 GiB said nothing
		{1.46 * gib, 1.46*gib + 100*mib, "1.5 GiB", "1.6 GiB"},
		{512 * mib, 1.5 * gib, "0.5 GiB", "1.5 GiB"},
		{612.2 * mib, 612.4 * mib, "612.2 MiB", "612.4 MiB"},
		{200 * mib, 300 * mib, "200 MiB", "300 MiB"},
		{1 * gib, 1 * gib, "1 GiB", "1 GiB"},
		{-1, 5, "-1 B", "5 B"},
	} {
		ga, gb := FormatBytesPairIEC(tt.a, tt.b)
		if ga != tt.wa || gb != tt.wb {
			t.Errorf("FormatBytesPairIEC(%g, %g) = %q, %q; want %q, %q", tt.a, tt.b, ga, gb, tt.wa, tt.wb)
		}
	}
}
