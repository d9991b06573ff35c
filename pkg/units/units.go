// Package units parses and formats quantities for people, and is the one
// place that does: byte sizes ("2GiB", "512MiB", "1.5GB", "1e9" in; "812
// MiB", "1.5 GiB" out), growth rates ("+38 MiB/h") and durations ("45 min",
// "9.5 h", "2.5 days").
package units

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// multipliers maps a lower-cased unit suffix to its size in bytes. SI
// (powers of 1000: kB, MB, GB, TB, PB, EB) and IEC (powers of 1024: KiB,
// MiB, GiB, TiB, PiB, EiB) are both accepted, as are the bare forms "k",
// "M", "Ki", "Mi" ... that Kubernetes uses. Units are matched without
// regard to case, so "gb" is a gigabyte; a lower-case "b" still means
// bytes, never bits.
var multipliers = map[string]float64{
	"":  1,
	"b": 1,

	"k": 1e3, "kb": 1e3,
	"m": 1e6, "mb": 1e6,
	"g": 1e9, "gb": 1e9,
	"t": 1e12, "tb": 1e12,
	"p": 1e15, "pb": 1e15,
	"e": 1e18, "eb": 1e18,

	"ki": 1 << 10, "kib": 1 << 10,
	"mi": 1 << 20, "mib": 1 << 20,
	"gi": 1 << 30, "gib": 1 << 30,
	"ti": 1 << 40, "tib": 1 << 40,
	"pi": 1 << 50, "pib": 1 << 50,
	"ei": 1 << 60, "eib": 1 << 60,
}

// ParseBytes reads a byte quantity: a non-negative number, optionally in
// exponent form, followed by an optional unit, with optional space between
// them. Examples: "2GiB", "512 MiB", "1.5GB", "1e9", "800Mi", "4096".
// The result is in bytes and may have a fractional part ("1.5KiB" is
// 1536, "0.5B" is 0.5).
func ParseBytes(s string) (float64, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("byte size %q: empty", s)
	}
	// The number ends where the unit's letters begin. An 'e' or 'E'
	// followed by a digit or sign belongs to the number (1e9, 2.5E+3);
	// otherwise it is the exa prefix (1e, 2EiB).
	end := 0
	for end < len(in) {
		c := in[end]
		switch {
		case c >= '0' && c <= '9', c == '.', c == '+' && end == 0, c == '-' && end == 0:
			end++
			continue
		case (c == 'e' || c == 'E') && end > 0 && end+1 < len(in):
			n := in[end+1]
			if n >= '0' && n <= '9' {
				end += 2
				continue
			}
			if (n == '+' || n == '-') && end+2 < len(in) && in[end+2] >= '0' && in[end+2] <= '9' {
				end += 3
				continue
			}
		}
		break
	}
	num, unit := in[:end], strings.TrimSpace(in[end:])
	if num == "" {
		return 0, fmt.Errorf("byte size %q: no number (expected e.g. 2GiB, 512MiB, 1.5GB or 1e9)", s)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("byte size %q: %q is not a number", s, num)
	}
	for _, r := range unit {
		if !unicode.IsLetter(r) {
			return 0, fmt.Errorf("byte size %q: unknown unit %q (use B, kB, MB, GB, TB or KiB, MiB, GiB, TiB)", s, unit)
		}
	}
	m, ok := multipliers[strings.ToLower(unit)]
	if !ok {
		return 0, fmt.Errorf("byte size %q: unknown unit %q (use B, kB, MB, GB, TB or KiB, MiB, GiB, TiB)", s, unit)
	}
	if v < 0 {
		return 0, fmt.Errorf("byte size %q: negative", s)
	}
	b := v * m
	if math.IsInf(b, 0) || math.IsNaN(b) {
		return 0, fmt.Errorf("byte size %q: out of range", s)
	}
	return b, nil
}

// iecUnits are the names of the powers of 1024.
var iecUnits = []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}

// IECUnit is the IEC unit for a magnitude x: its size in bytes and name,
// the largest whose value of |x| is at least 1 (bytes below 1 KiB, EiB at
// most). Axis labels use it to put every tick in the same unit.
func IECUnit(x float64) (size float64, name string) {
	x = math.Abs(x)
	size, i := 1.0, 0
	for x/size >= 1024 && i < len(iecUnits)-1 {
		size *= 1024
		i++
	}
	return size, iecUnits[i]
}

// FormatBytesIEC renders b with IEC units (powers of 1024), one decimal
// below 10 and none above, a trailing ".0" dropped: "512 MiB", "1.5 GiB",
// "-2.1 MiB". NaN and infinities are rendered as "NaN", "+Inf" and "-Inf".
func FormatBytesIEC(b float64) string {
	switch {
	case math.IsNaN(b):
		return "NaN"
	case math.IsInf(b, 1):
		return "+Inf"
	case math.IsInf(b, -1):
		return "-Inf"
	}
	sign := ""
	if b < 0 {
		sign = "-"
		b = -b
	}
	s, name, _ := iec(b)
	if s == "0" {
		sign = ""
	}
	return sign + s + " " + name
}

// iec is FormatBytesIEC's number, unit name and unit size for b >= 0.
func iec(b float64) (number, name string, size float64) {
	size, name = IECUnit(b)
	// Round first so that 1023.96 MiB becomes 1 GiB, not "1024 MiB".
	s := num(b / size)
	if s == "1024" && name != iecUnits[len(iecUnits)-1] {
		size *= 1024
		_, name = IECUnit(size)
		s = num(b / size)
	}
	return s, name, size
}

// FormatBytesRangeIEC renders the range lo..hi (lo <= hi, both >= 0) in
// the unit FormatBytesIEC gives hi, the unit written once: "613–615 MiB";
// "about 1.1 GiB" when the two read the same in that unit (a range of
// "1.1 GiB–1.1 GiB" or "1023 MiB–1 GiB" says nothing more).
func FormatBytesRangeIEC(lo, hi float64) string {
	if lo < 0 || hi < 0 || math.IsNaN(lo+hi) || math.IsInf(lo+hi, 0) {
		return FormatBytesIEC(lo) + "–" + FormatBytesIEC(hi)
	}
	hiNum, name, size := iec(hi)
	if loNum := num(lo / size); loNum != hiNum {
		return loNum + "–" + hiNum + " " + name
	}
	return "about " + hiNum + " " + name
}

// FormatBytesPairIEC renders two sizes a change goes between ("from a to
// b") in the unit FormatBytesIEC gives the larger, with as many decimals
// (up to three) as it takes for them to read differently when they
// differ: a 100 MiB jump from 1.46 GiB is "1.46 GiB" to "1.56 GiB", not
// "1.5 GiB" to "1.5 GiB".
func FormatBytesPairIEC(a, b float64) (string, string) {
	if a < 0 || b < 0 || math.IsNaN(a+b) || math.IsInf(a+b, 0) {
		return FormatBytesIEC(a), FormatBytesIEC(b)
	}
	_, name, size := iec(max(a, b))
	sa, sb := num(a/size), num(b/size)
	for d := 1; sa == sb && a != b && d <= 3; d++ {
		if a/size < 10 && d == 1 {
			continue // num already gave one decimal
		}
		sa = strings.TrimRight(strings.TrimRight(strconv.FormatFloat(a/size, 'f', d, 64), "0"), ".")
		sb = strings.TrimRight(strings.TrimRight(strconv.FormatFloat(b/size, 'f', d, 64), "0"), ".")
	}
	return sa + " " + name, sb + " " + name
}

// FormatGrowth renders a growth rate in bytes per hour: "+38 MiB/h",
// "-1.2 GiB/h", "0 B/h".
func FormatGrowth(bytesPerHour float64) string {
	s := FormatBytesIEC(bytesPerHour)
	if bytesPerHour > 0 && s != "0 B" && !strings.HasPrefix(s, "+") {
		s = "+" + s
	}
	return s + "/h"
}

// FormatDuration renders a duration the way people say it: "45 s",
// "45 min", "9.5 h", "14 h", "2.5 days". Negative durations get a minus
// sign.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		if d == math.MinInt64 { // −d would overflow
			d++
		}
		return "-" + FormatDuration(-d)
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Round(time.Minute).Minutes()))
	case d < 48*time.Hour:
		h := d.Hours()
		if h < 10 {
			return strings.TrimSuffix(fmt.Sprintf("%.1f", h), ".0") + " h"
		}
		return fmt.Sprintf("%.0f h", h)
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", d.Hours()/24), ".0") + " days"
}

// FormatDurationRange renders the range lo..hi as FormatDuration gives
// each, the unit written once when both share it: "24–45 h", "2–3.5
// days", "45 min–2 h"; one duration when both read the same.
func FormatDurationRange(lo, hi time.Duration) string {
	a, b := FormatDuration(lo), FormatDuration(hi)
	if a == b {
		return a
	}
	na, ua, _ := strings.Cut(a, " ")
	nb, ub, _ := strings.Cut(b, " ")
	if ua == ub && !strings.HasPrefix(na, "-") && !strings.HasPrefix(nb, "-") {
		return na + "–" + nb + " " + ub
	}
	return a + "–" + b
}

// num prints v (0 <= v < ~1024) with one decimal below 10 and none above;
// a trailing ".0" is dropped.
func num(v float64) string {
	if v < 9.95 {
		s := strconv.FormatFloat(v, 'f', 1, 64)
		return strings.TrimSuffix(s, ".0")
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}
