package cache

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
)

// chunkLen is the most samples one chunk holds.
const chunkLen = 256

// A chunk holds up to chunkLen samples of one series on its query's grid,
// packed, and never changes once made (readers decode it without a
// lock; an update makes new chunks).
//
// Times: the first (t0) and the gaps between the next ones in steps less
// one, tw bits each — a series without gaps, nearly every one, takes no
// bits at all: its times are the grid's.
//
// Values: when every value of the chunk is an integer once multiplied by
// 10^scale (bytes are integers; a scale of 1–6 takes values with a few
// decimals) and within ±2^53, they are kept as that integer's first
// value and its differences, each divided by 2^shift (the power of two
// every difference shares: page-sized memory steps) and zigzag-coded in
// vw bits — 17 to 22 bits for a noisy memory series, fewer for a quiet
// one. Anything else (NaN, infinities, -0, long fractions) is kept as
// float64 bits. Both are exact: a value read back is the value stored,
// bit for bit.
type chunk struct {
	t0, t1 int64  // first and last sample's time, ms
	v0     uint64 // first value: the integer (int64 bits), or float64 bits when raw
	data   []byte // tw-bit gaps then vw-bit differences, and 8 bytes of padding
	n      uint16
	tw, vw uint8
	raw    bool
	scale  uint8
	shift  uint8
}

// chunkOverhead is what a chunk costs besides its data.
const chunkOverhead = 64

func (c *chunk) bytes() int64 { return int64(cap(c.data)) + chunkOverhead }

// contiguous reports whether the chunk has no gap.
func (c *chunk) contiguous(step int64) bool { return c.t1-c.t0 == int64(c.n-1)*step }

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6}

const maxExact = 1 << 53

// scaleOf is the smallest decimal scale at which every value of v is an
// exact integer within ±2^53, or -1.
func scaleOf(v []float64) int {
	for k := 0; k < len(pow10); k++ {
		ok := true
		for _, x := range v {
			if x == 0 && math.Signbit(x) {
				return -1 // -0 would come back as 0
			}
			s := x * pow10[k]
			r := math.Round(s)
			if !(r > -maxExact && r < maxExact) || math.Float64bits(r/pow10[k]) != math.Float64bits(x) || (k == 0 && r != s) {
				ok = false
				break
			}
		}
		if ok {
			return k
		}
	}
	return -1
}

// makeChunk packs t and v (1 to chunkLen samples, times increasing on
// the grid of step).
func makeChunk(t []int64, v []float64, step int64) chunk {
	n := len(t)
	c := chunk{t0: t[0], t1: t[n-1], n: uint16(n)}
	var gapMax uint64
	if c.t1-c.t0 != int64(n-1)*step { // gaps: else every time is the grid's
		// The widest gap is the longest's (one division, not one a time).
		var long int64
		for i := 1; i < n; i++ {
			long = max(long, t[i]-t[i-1])
		}
		gapMax = uint64(long/step - 1)
	}
	c.tw = uint8(bits.Len64(gapMax))
	if wholeChunk(&c, t, v, step) {
		return c
	}
	return packChunk(c, t, v, step)
}

// packChunk packs any values of a chunk (c has its times but their
// gaps).
func packChunk(c chunk, t []int64, v []float64, step int64) chunk {
	n := len(t)
	k := scaleOf(v)
	var ints [chunkLen]int64
	var or uint64
	if k >= 0 {
		for i, x := range v {
			ints[i] = int64(math.Round(x * pow10[k]))
		}
		for i := 1; i < n; i++ {
			or |= uint64(ints[i] - ints[i-1])
		}
		c.shift = uint8(min(bits.TrailingZeros64(or), 63))
		if or == 0 {
			c.shift = 0
		}
		var zmax uint64
		for i := 1; i < n; i++ {
			zmax |= zigzag((ints[i] - ints[i-1]) >> c.shift)
		}
		c.vw = uint8(bits.Len64(zmax))
		if c.vw > 56 {
			k = -1
		}
	}
	if k < 0 {
		c.raw, c.vw, c.shift = true, 64, 0
		c.v0 = math.Float64bits(v[0])
	} else {
		c.scale = uint8(k)
		c.v0 = uint64(ints[0])
	}
	nbits := (n - 1) * (int(c.tw) + int(c.vw))
	c.data = make([]byte, (nbits+7)/8+8)
	w := bitWriter{buf: c.data}
	if c.tw > 0 {
		for i := 1; i < n; i++ {
			w.write(uint64((t[i]-t[i-1])/step-1), c.tw)
		}
	}
	switch {
	case c.raw:
		for i := 1; i < n; i++ {
			w.write64(math.Float64bits(v[i]))
		}
	case c.vw > 0:
		for i := 1; i < n; i++ {
			w.write(zigzag((ints[i]-ints[i-1])>>c.shift), c.vw)
		}
	}
	return c
}

// wholeChunk packs the values of a chunk (c has its times and the width
// of their gaps, tw; t its times, on the grid of step) when every one is
// a whole number within ±2^53 other than -0 — bytes, nearly every memory
// series — as packChunk would (scale 0; the gaps first), in two passes
// instead of five: scanWhole checks the values and codes their
// differences, packWhole writes them a 64-bit word at a time. False,
// with c unchanged, for any other values.
func wholeChunk(c *chunk, t []int64, v []float64, step int64) bool {
	n := len(v)
	if n == 0 || n > chunkLen || c.tw > 0 && len(t) != n {
		return false
	}
	if _, ok := whole(v[0]); !ok {
		return false // most values that are not whole: no pass over them
	}
	var zs [chunkLen]uint64
	or, zor, ok := scanWhole(v, zs[:n])
	if !ok {
		return false
	}
	shift := uint(0)
	if or != 0 {
		shift = uint(bits.TrailingZeros64(or))
	}
	// Shifting right by the power of two every difference shares commutes
	// with zigzag coding and with OR: the widest code is zor's.
	vw := uint(bits.Len64(zor >> shift))
	if vw > 56 {
		return false
	}
	c.scale, c.shift, c.vw, c.v0 = 0, uint8(shift), uint8(vw), uint64(int64(v[0]))
	c.data = make([]byte, ((n-1)*(int(c.tw)+int(vw))+7)/8+8)
	w := bitWriter{buf: c.data}
	if c.tw > 0 {
		for i := 1; i < n; i++ {
			if d := t[i] - t[i-1]; d != step {
				w.write(uint64(d/step-1), c.tw)
			} else {
				w.pos += int(c.tw) // no gap: its bits stay 0
			}
		}
	}
	if vw > 0 {
		packWhole(c.data, w.pos, zs[1:n], shift, vw)
	}
	return true
}

// scanWhole sets zs[i] to the zigzag code of v[i]-v[i-1] (zs[0] to 0)
// and returns the OR of the differences and of their codes, when every
// value of v is a whole number within ±2^53 other than -0; ok is false
// otherwise. It does not branch on the values: a value is taken as
// whole when it comes back from its integer bit for bit (a NaN, an
// infinity, -0 or a fraction does not) and that integer is within
// ±2^52; whole decides, rarely, when one is not.
func scanWhole(v []float64, zs []uint64) (or, zor uint64, ok bool) {
	zs = zs[:len(v)]
	var odd uint64
	p := int64(v[0])
	for k, x := range v {
		i := int64(x)
		odd |= math.Float64bits(float64(i)) ^ math.Float64bits(x) | uint64(i+1<<52)>>53
		d := i - p
		z := zigzag(d)
		or |= uint64(d)
		zor |= z
		zs[k] = z
		p = i
	}
	if odd != 0 {
		for _, x := range v {
			if _, ok := whole(x); !ok {
				return 0, 0, false
			}
		}
	}
	return or, zor, true
}

// whole is x as an integer when it is a whole number within ±2^53 other
// than -0.
func whole(x float64) (int64, bool) {
	i := int64(x)
	return i, math.Float64bits(float64(i)) == math.Float64bits(x) && uint64(i+(maxExact-1)) <= 2*maxExact-2
}

// packWhole writes zs, each shifted right by shift, in vw bits from bit
// pos on, LSB first as bitWriter writes, into data (zeroed from pos on,
// with 8 bytes of padding).
func packWhole(data []byte, pos int, zs []uint64, shift, vw uint) {
	data = data[pos/64*8:]
	acc := binary.LittleEndian.Uint64(data) // the bits before pos
	fill := uint(pos % 64)
	for _, z := range zs {
		z >>= shift & 63
		acc |= z << (fill & 63)
		fill += vw
		if fill >= 64 {
			if len(data) < 8 {
				return // not reached: data holds every bit
			}
			binary.LittleEndian.PutUint64(data, acc)
			data = data[8:]
			fill -= 64
			acc = z >> ((vw - fill) & 63) // the bits that did not fit (0 when none)
		}
	}
	binary.LittleEndian.PutUint64(data, acc)
}

// times appends the chunk's times to dst, without its values.
func (c *chunk) times(dst []int64, step int64) []int64 {
	if c.tw == 0 {
		for i := 0; i < int(c.n); i++ {
			dst = append(dst, c.t0+int64(i)*step)
		}
		return dst
	}
	r := bitReader{buf: c.data}
	ts := c.t0
	dst = append(dst, ts)
	for i := 1; i < int(c.n); i++ {
		ts += (int64(r.read(c.tw)) + 1) * step
		dst = append(dst, ts)
	}
	return dst
}

// decode appends the chunk's values to v and, when t is not nil, its
// times to *t.
func (c *chunk) decode(t *[]int64, v []float64, step int64) []float64 {
	n := int(c.n)
	r := bitReader{buf: c.data}
	if t != nil {
		*t = c.times(*t, step)
	}
	if c.tw > 0 {
		r.pos += (n - 1) * int(c.tw)
	}
	switch {
	case c.raw:
		v = append(v, math.Float64frombits(c.v0))
		for i := 1; i < n; i++ {
			v = append(v, math.Float64frombits(r.read64()))
		}
	case c.scale == 0:
		x := int64(c.v0)
		at := len(v)
		v = slices.Grow(v, n)[:at+n]
		out := v[at:]
		out[0] = float64(x)
		if c.vw == 0 {
			for i := 1; i < n; i++ {
				out[i] = float64(x)
			}
			break
		}
		mask, shift, w, pos, buf := uint64(1)<<c.vw-1, c.shift, int(c.vw), r.pos, r.buf
		for i := 1; i < n; i++ {
			u := binary.LittleEndian.Uint64(buf[pos>>3:]) >> uint(pos&7) & mask
			pos += w
			x += (int64(u>>1) ^ -int64(u&1)) << shift
			out[i] = float64(x)
		}
	default:
		x, p := int64(c.v0), pow10[c.scale]
		v = append(v, float64(x)/p)
		for i := 1; i < n; i++ {
			if c.vw > 0 {
				x += unzigzag(r.read(c.vw)) << c.shift
			}
			v = append(v, float64(x)/p)
		}
	}
	return v
}

func zigzag(x int64) uint64   { return uint64(x<<1) ^ uint64(x>>63) }
func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// bitWriter writes values LSB first, each with one 8-byte load and store
// (the buffer's padding keeps it in bounds): up to 56 bits at a time.
type bitWriter struct {
	buf []byte
	pos int // bits written
}

func (w *bitWriter) write(x uint64, width uint8) {
	b := w.buf[w.pos/8:]
	binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)|x<<uint(w.pos%8))
	w.pos += int(width)
}

func (w *bitWriter) write64(x uint64) {
	w.write(x&0xFFFFFFFF, 32)
	w.write(x>>32, 32)
}

// bitReader reads what bitWriter wrote: one unaligned 8-byte load per
// value of up to 56 bits (the buffer's padding keeps it in bounds).
type bitReader struct {
	buf []byte
	pos int
}

func (r *bitReader) read(width uint8) uint64 {
	x := binary.LittleEndian.Uint64(r.buf[r.pos/8:]) >> uint(r.pos%8)
	r.pos += int(width)
	return x & (1<<width - 1)
}

func (r *bitReader) read64() uint64 {
	lo := r.read(32)
	return lo | r.read(32)<<32
}
