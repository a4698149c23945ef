package keyrelay_test

import (
	"strings"
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

func TestCleanClientName(t *testing.T) {
	long := strings.Repeat("あ", 70)
	for in, want := range map[string]string{
		"Chrome 131 / Linux":               "Chrome 131 / Linux",
		"  Edge\t131\n/  Windows  ":        "Edge 131 / Windows",
		"\x1b[2J\x1b[31mAPPROVED":          "[2J[31mAPPROVED", // the escapes go, the rest is harmless text
		"コード 1234\u202e4321 edoc":          "コード 12344321 edoc",
		"bad\xffutf8\u0085x\u2066y\u200fz": "badutf8 xyz",
		"\x00\x07":                         "",
		long:                               long[:len("あ")*keyrelay.MaxClientName],
		strings.Repeat("a", 59) + " b":     strings.Repeat("a", 59), // the space would be the 60th character
	} {
		got := keyrelay.CleanClientName(in)
		if got != want {
			t.Errorf("CleanClientName(%q) = %q, want %q", in, got, want)
		}
		if keyrelay.Printable(got) != got {
			t.Errorf("CleanClientName(%q) = %q, which Printable would still escape", in, got)
		}
	}
}
