package keyrelay_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"keyrelay/internal/keyrelay"
)

func TestValidateKey(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  string
		ok   bool
	}{
		{"Classic", "SL123456_AbCdEfGh12345678", true},
		{"Opaque", "a8F3kQ9zP2mX7vL1", true},
		{"OpaqueWithSymbols", "abc-DEF_123.xyz~9", true},
		{"MaxLength", strings.Repeat("aB3dE5gH", 32), true},
		{"Empty", "", false},
		{"TooShort", "aB3dE5gH9", false},
		{"TooLong", strings.Repeat("aB3dE5gH", 32) + "x", false},
		{"MaskedX", "SL123456_XXXXXXXXXXXX5678", false},
		{"MaskedStars", "SL123456_****EfGh12345678", false},
		{"MaskedLabel", "末尾4桁: 5678", false},
		{"Redacted", "[Redacted]", false},
		{"RedactedLower", "abcredacted12345", false},
		{"Ellipsis", "SL123456_AbCd…5678", false},
		{"Space", "SL123456_AbCd EfGh2345678", false},
		{"Newline", "SL123456_AbCdEfGh1234567\n", false},
		{"Tab", "\tSL123456_AbCdEfGh12345678", false},
		{"ZeroWidth", "SL123456_AbCdEfGh1234\u200b5678", false},
		{"BOM", "\ufeffSL123456_AbCdEfGh12345678", false},
		{"Markup", "<b>SL123456_AbCdEfGh12345678</b>", false},
		{"Quote", `SL123456_AbCdEfGh"12345678`, false},
		{"Ampersand", "SL123456_AbCd&amp;12345678", false},
		{"FullWidth", "ＳＬ123456_AbCdEfGh12345678", false},
		{"Japanese", "ライセンスキーabcdef123456", false},
		{"ControlChar", "SL123456_AbCdEfGh1234567\x00", false},
		{"LostFirstChar", "L123456_AbCdEfGh12345678", false},
		{"LostLastChar", "SL123456_AbCdEfGh1234567", false},
		{"ExtraChar", "SL123456_AbCdEfGh123456789", false},
		{"ExtraCharInFront", "xSL123456_AbCdEfGh12345678", false},
		{"Parenthesised", "(SL123456_AbCdEfGh12345678)", false},
		{"PartialMask", "SS9a**4f3g**0jK7pQ", false},
		{"Placeholder", "aaaaaaaaaaaaaaaa", false},
		{"FewDistinct", "ababababcdcdcdcd", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := keyrelay.ValidateKey(tc.key)
			if got, want := err == nil, tc.ok; got != want {
				t.Fatalf("ValidateKey: got err=%v, want ok=%v", err, want)
			}
			if err == nil {
				return
			}
			if got, want := keyrelay.ErrorCode(err), keyrelay.EINVALID; got != want {
				t.Fatalf("code: got %q, want %q", got, want)
			}
			ja, en := keyrelay.ErrorMessage(err)
			if ja == "" || en == "" {
				t.Fatalf("messages: %q / %q", ja, en)
			}
			if len(tc.key) >= 8 && (strings.Contains(ja, tc.key) || strings.Contains(en, tc.key) || strings.Contains(err.Error(), tc.key)) {
				t.Fatalf("the error echoes the key: %v", err)
			}
		})
	}
}

func TestKeyLast4(t *testing.T) {
	for _, tc := range []struct{ key, want string }{
		{"SL123456_AbCdEfGh12345678", "5678"},
		{"abcd", "abcd"},
		{"abc", "abc"},
		{"", ""},
	} {
		if got := keyrelay.KeyLast4(tc.key); got != tc.want {
			t.Errorf("KeyLast4(%q): got %q, want %q", tc.key, got, tc.want)
		}
	}
	if got, want := keyrelay.MaskKey("5678"), "末尾4桁: 5678"; got != want {
		t.Errorf("MaskKey: got %q, want %q", got, want)
	}
}

// A key that contains the start of a classic RMS key must be one in full (a
// lost first or last character, or one picked up in front).
var (
	classic       = regexp.MustCompile(`^SL[0-9]{6}_[A-Za-z0-9]{16}$`)
	classicPrefix = regexp.MustCompile(`S?L?[0-9]{6}_`)
)

// FuzzValidateKey checks the properties every accepted key must have and
// that no input crashes the validator or is echoed in its error. The seed
// corpus is in testdata/fuzz/FuzzValidateKey.
func FuzzValidateKey(f *testing.F) {
	for _, s := range []string{"SL123456_AbCdEfGh12345678", "a8F3kQ9zP2mX7vL1", "SL123456_XXXXXXXXXXXX5678", "", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := keyrelay.ValidateKey(s)
		if err != nil {
			if keyrelay.ErrorCode(err) != keyrelay.EINVALID {
				t.Fatalf("code %q for %q", keyrelay.ErrorCode(err), s)
			}
			ja, en := keyrelay.ErrorMessage(err)
			if len(s) >= 8 && (strings.Contains(ja, s) || strings.Contains(en, s)) {
				t.Fatalf("error echoes its input %q", s)
			}
			return
		}
		if n := len(s); n < keyrelay.MinKeyLen || n > keyrelay.MaxKeyLen {
			t.Fatalf("accepted length %d: %q", n, s)
		}
		if !utf8.ValidString(s) {
			t.Fatalf("accepted invalid UTF-8: %q", s)
		}
		for _, r := range s {
			if r < 0x21 || r > 0x7e || strings.ContainsRune("<>\"'`&\\", r) {
				t.Fatalf("accepted %q containing %q", s, r)
			}
		}
		lower := strings.ToLower(s)
		if strings.Contains(s, "XXXXXX") || strings.Contains(s, "xxxxxx") {
			t.Fatalf("accepted a masked key %q", s)
		}
		for _, m := range []string{"**", "redacted", "..."} {
			if strings.Contains(lower, m) {
				t.Fatalf("accepted a masked key %q", s)
			}
		}
		if classicPrefix.MatchString(s) && !classic.MatchString(s) {
			t.Fatalf("accepted a classic-looking key of the wrong shape: %q", s)
		}
		if got := keyrelay.KeyLast4(s); got != s[len(s)-4:] {
			t.Fatalf("KeyLast4(%q) = %q", s, got)
		}
	})
}
