package tray

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"sync"
)

// Status is the tray icon's state.
type Status int

const (
	StatusOK        Status = iota // green: nothing to do
	StatusAttention               // amber: a key, an update or a delivery needs the operator
	StatusProblem                 // red: the helper itself is in trouble
)

func (s Status) String() string {
	switch s {
	case StatusAttention:
		return "attention"
	case StatusProblem:
		return "problem"
	}
	return "ok"
}

// Icons are drawn rather than shipped as files: keyrelay's own key
// (the extension's icon) in white on a rounded square whose colour is the
// status, with a light rim: the square stands out on a light panel, the rim
// on a dark one. Supersampled, so 16 and 22 px panels get clean edges.
var statusFill = map[Status]color.RGBA{
	StatusOK:        {0x24, 0x8a, 0x3a, 0xff},
	StatusAttention: {0xb8, 0x6e, 0x00, 0xff},
	StatusProblem:   {0xc0, 0x1f, 0x1f, 0xff},
}

// icons are drawn on first use, not at package init: the PNG encoder
// allocates about 2.5 MB for the three, which grew the Go heap of every
// start, headless runs (--no-tray) included, and stayed resident until the
// scavenger got to it (BENCHMARKS.md, Memory).
var icons = sync.OnceValue(func() map[Status][]byte {
	return map[Status][]byte{
		StatusOK:        encode(IconImage(StatusOK, iconSize)),
		StatusAttention: encode(IconImage(StatusAttention, iconSize)),
		StatusProblem:   encode(IconImage(StatusProblem, iconSize)),
	}
})

// Icon returns the PNG for s.
func Icon(s Status) []byte { return icons()[s] }

const iconSize = 32

// IconImage draws the icon for s at n×n pixels.
func IconImage(s Status, n int) *image.RGBA {
	fill := statusFill[s]
	// A light rim: the status colour alone is too dark for a dark panel.
	rim := color.RGBA{0xf4, 0xf4, 0xf4, 0xff}
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	const ss = 4 // samples per axis
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	for py := range n {
		for px := range n {
			var r, g, b, a float64
			for sy := range ss {
				for sx := range ss {
					x := (float64(px) + (float64(sx)+0.5)/ss) / float64(n)
					y := (float64(py) + (float64(sy)+0.5)/ss) / float64(n)
					var c color.RGBA
					switch iconPart(x, y, 1.2/float64(n)) {
					case partRim:
						c = rim
					case partBody:
						c = fill
					case partKey:
						c = white
					default:
						continue
					}
					r, g, b, a = r+float64(c.R), g+float64(c.G), b+float64(c.B), a+255
				}
			}
			if a == 0 {
				continue
			}
			k := float64(ss * ss)
			// Premultiplied: colour sums over all samples, alpha by coverage.
			img.SetRGBA(px, py, color.RGBA{uint8(r / k), uint8(g / k), uint8(b / k), uint8(a / k)})
		}
	}
	return img
}

const (
	partNone = iota
	partRim
	partBody
	partKey
)

// iconPart says what covers (x, y) in the unit square: a rounded square
// with a rim of width rimW, and on it a key — ring at the left, shaft to
// the right, two teeth — as in extension/icons/make-icons.py.
func iconPart(x, y, rimW float64) int {
	const r = 0.2
	cx, cy := math.Min(math.Max(x, r), 1-r), math.Min(math.Max(y, r), 1-r)
	d := math.Hypot(x-cx, y-cy)
	if d > r {
		return partNone
	}
	if r-d < rimW || x < rimW || y < rimW || x > 1-rimW || y > 1-rimW {
		return partRim
	}
	ring := math.Hypot(x-0.34, y-0.5)
	switch {
	case ring >= 0.085 && ring <= 0.2:
		return partKey
	case x >= 0.5 && x <= 0.84 && y >= 0.44 && y <= 0.56:
		return partKey
	case (x >= 0.62 && x <= 0.7 || x >= 0.76 && x <= 0.84) && y >= 0.56 && y <= 0.7:
		return partKey
	}
	return partBody
}

func encode(img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err) // encoding an in-memory RGBA cannot fail
	}
	return b.Bytes()
}
