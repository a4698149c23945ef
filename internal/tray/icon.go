package tray

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
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

// Icons are drawn at start rather than shipped as files: three coloured
// discs, readable at any panel size, with no asset pipeline.
var icons = map[Status][]byte{
	StatusOK:        drawIcon(color.RGBA{0x2e, 0x9e, 0x44, 0xff}, markCheck),
	StatusAttention: drawIcon(color.RGBA{0xe8, 0xa2, 0x00, 0xff}, markBang),
	StatusProblem:   drawIcon(color.RGBA{0xd0, 0x2b, 0x2b, 0xff}, markCross),
}

// Icon returns the PNG for s.
func Icon(s Status) []byte { return icons[s] }

const iconSize = 32

type mark func(x, y float64) bool

func drawIcon(fill color.RGBA, m mark) []byte {
	img := image.NewRGBA(image.Rect(0, 0, iconSize, iconSize))
	c := float64(iconSize-1) / 2
	for y := range iconSize {
		for x := range iconSize {
			fx, fy := float64(x)-c, float64(y)-c
			if math.Hypot(fx, fy) > c {
				continue
			}
			col := fill
			if m(fx/c, fy/c) {
				col = color.RGBA{0xff, 0xff, 0xff, 0xff}
			}
			img.SetRGBA(x, y, col)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err) // encoding an in-memory RGBA cannot fail
	}
	return b.Bytes()
}

// Marks take coordinates in [-1, 1], y down.
func markCheck(x, y float64) bool {
	return nearSegment(x, y, -0.45, 0.0, -0.1, 0.35) || nearSegment(x, y, -0.1, 0.35, 0.5, -0.35)
}

func markBang(x, y float64) bool {
	return nearSegment(x, y, 0, -0.55, 0, 0.15) || math.Hypot(x, y-0.45) < 0.13
}

func markCross(x, y float64) bool {
	return nearSegment(x, y, -0.4, -0.4, 0.4, 0.4) || nearSegment(x, y, -0.4, 0.4, 0.4, -0.4)
}

func nearSegment(x, y, x1, y1, x2, y2 float64) bool {
	dx, dy := x2-x1, y2-y1
	t := ((x-x1)*dx + (y-y1)*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(x-(x1+t*dx), y-(y1+t*dy)) < 0.12
}
