package tray_test

import (
	"image"
	"image/color"
	"math"
	"testing"

	"keyrelay/internal/tray"
)

// TestIconLegible: at the panel sizes that matter, the key stands out from
// its square, and the square's edge from light and dark panels (WCAG
// contrast of at least 3:1 for graphics).
func TestIconLegible(t *testing.T) {
	panels := map[string]color.RGBA{"light": {0xf2, 0xf2, 0xf2, 0xff}, "dark": {0x24, 0x24, 0x24, 0xff}}
	for _, st := range []tray.Status{tray.StatusOK, tray.StatusAttention, tray.StatusProblem} {
		for _, n := range []int{16, 22} {
			img := tray.IconImage(st, n)
			white := 0
			bodyCol := img.RGBAAt(n/2, n/4) // above the shaft, right of the ring
			// Inside the rim: the key's own pixels.
			for y := 2; y < n-2; y++ {
				for x := 2; x < n-2; x++ {
					c := img.RGBAAt(x, y)
					if c.A < 255 {
						continue
					}
					if c.R > 230 && c.G > 230 && c.B > 230 {
						white++
					}
				}
			}
			if frac := float64(white) / float64(n*n); frac < 0.1 {
				t.Errorf("%v at %dpx: the key covers %.0f%% of the icon, too little to see", st, n, frac*100)
			}
			if r := contrast(color.RGBA{255, 255, 255, 255}, bodyCol); r < 2.5 {
				t.Errorf("%v at %dpx: key on square contrast %.2f", st, n, r)
			}
			edge := img.RGBAAt(n/2, 0) // the rim, top middle
			for name, p := range panels {
				best := math.Max(contrast(edge, p), contrast(bodyCol, p))
				if best < 3 {
					t.Errorf("%v at %dpx on a %s panel: contrast %.2f", st, n, name, best)
				}
			}
		}
	}
	if img, ok := any(tray.IconImage(tray.StatusOK, 16)).(image.Image); !ok || img.Bounds().Dx() != 16 {
		t.Error("IconImage size")
	}
}

func lum(c color.RGBA) float64 {
	f := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*f(c.R) + 0.7152*f(c.G) + 0.0722*f(c.B)
}

func contrast(a, b color.RGBA) float64 {
	la, lb := lum(a), lum(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}
