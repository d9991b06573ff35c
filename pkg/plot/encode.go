package plot

import (
	"image"
	"image/color"
	"image/png"
	"io"

	"github.com/memshape/memory-datasource/pkg/shape"
)

// Encode writes img as a PNG with a 256-colour palette made of the
// project's colours, their blends with white (anti-aliasing) and greys:
// a chart then takes a third of the bytes of a full-colour PNG and looks
// the same.
func Encode(w io.Writer, img image.Image) error {
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	return enc.Encode(w, quantize(img))
}

var chartPalette = buildPalette()

func buildPalette() color.Palette {
	keys := []color.NRGBA{seriesColor}
	for _, s := range shape.Shapes {
		keys = append(keys, chartColor(s))
	}
	keys = append(keys, limitColor, textColor, rgb(0xF2, 0xCC, 0x0C))
	p := color.Palette{}
	seen := map[color.RGBA]bool{}
	add := func(c color.RGBA) {
		if !seen[c] && len(p) < 256 {
			seen[c] = true
			p = append(p, c)
		}
	}
	add(color.RGBA{0xFF, 0xFF, 0xFF, 0xFF})
	add(color.RGBA{0, 0, 0, 0xFF})
	// warm-up band as drawn: its colour at its alpha over white
	wa := float64(warmColor.A) / 255
	blend := func(c color.NRGBA, f float64) color.RGBA { // f of c over white
		m := func(x uint8) uint8 { return uint8(float64(x)*f + 255*(1-f) + 0.5) }
		return color.RGBA{m(c.R), m(c.G), m(c.B), 0xFF}
	}
	add(blend(rgb(0xF2, 0xCC, 0x0C), wa))
	add(color.RGBA{gridColor.R, gridColor.G, gridColor.B, 0xFF})
	for _, k := range keys {
		for i := 1; i <= 20; i++ {
			add(blend(k, float64(i)/20))
		}
	}
	for g := 0; len(p) < 256; g++ {
		v := uint8(255 * g / 63)
		add(color.RGBA{v, v, v, 0xFF})
		if g > 255 {
			break
		}
	}
	return p
}

func quantize(img image.Image) *image.Paletted {
	b := img.Bounds()
	out := image.NewPaletted(b, chartPalette)
	cache := map[color.RGBA]uint8{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			c := color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}
			i, ok := cache[c]
			if !ok {
				i = uint8(chartPalette.Index(c))
				cache[c] = i
			}
			out.SetColorIndex(x, y, i)
		}
	}
	return out
}
