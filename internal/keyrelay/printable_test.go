package keyrelay_test

import (
	"testing"

	"keyrelay/internal/keyrelay"
)

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"Chrome 131 / Linux":                   "Chrome 131 / Linux",
		"テスト商店ふじ":                              "テスト商店ふじ",
		"\x1b[2J\x1b[31mAPPROVED":              `\x1b[2J\x1b[31mAPPROVED`,             // CSI: clear screen, red
		"\x1b]0;pwned\x07title":                `\x1b]0;pwned\x07title`,               // OSC: window title
		"\x1b]8;;https://evil.example\x1b\\ok": `\x1b]8;;https://evil.example\x1b\ok`, // OSC 8 link
		"a\u009b31mb":                          `a\u009b31mb`,                         // C1 CSI
		"name\n42\tapproved\tfake":             `name\x0a42\x09approved\x09fake`,      // forged table row
		"a\rb\x7f\x00":                         `a\x0db\x7f\x00`,                      // CR, DEL, NUL
		"safe\u202Eevil":                       `safe\u202eevil`,                      // bidi override
		"bad\xffutf8":                          `bad\xffutf8`,                         // not UTF-8
	} {
		if got := keyrelay.Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}
