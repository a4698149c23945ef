package keyrelay

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Printable makes a string from outside (a pairing's browser name, a shop or
// app name, an API name, an error text from GoQ) safe to print on a
// terminal. Control characters (C0, DEL, C1) are shown as Go escapes, so an
// ESC that would start a CSI or OSC sequence (recolouring the screen,
// retitling the window, planting a link) and a newline that would forge a
// table row become visible text; so do bidi overrides (which reorder what is
// shown) and bytes that are not UTF-8. Everything else passes unchanged.
func Printable(s string) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && w == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && unsafeRune(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += w
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f: // C0, DEL, C1 (CSI is 0x9b)
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c: // bidi controls
		return true
	case r == utf8.RuneError:
		return true
	}
	return false
}
