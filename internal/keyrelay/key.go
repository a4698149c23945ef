package keyrelay

import (
	"regexp"
	"strings"
	"unicode"
)

var (
	// classicKey is the documented shape of classic RMS keys. A key that
	// contains the start of one must be one in full: that is how a lost first
	// or last character, or one picked up in front, is caught.
	classicKey       = regexp.MustCompile(`^SL[0-9]{6}_[A-Za-z0-9]{16}$`)
	classicKeyPrefix = regexp.MustCompile(`S?L?[0-9]{6}_`)
	// maskMarkers are strings RMS and the seed use where the key is hidden.
	// Runs of X are judged by xRunMasks (below), not here.
	maskMarkers = []string{"**", "末尾", "桁", "[redacted]", "redacted", "●", "•", "…", "..."}
)

// RMS hides a key with X's (the seed: 「XXXXXXXX」). A real key is random
// letters and digits, so it can hold a run of X too: four X's of any case
// in a row turn up in about one key in 71,000, which the old rule refused
// as masked. Now a run of xRunAlwaysMasked or more same-case X's (about one
// key in 2.5 billion) is a mask; a shorter run of xRunMasked or more names
// the mask as the reason only when the string is no key anyway
// ("SL123456_XXXX" is masked, not the wrong shape).
const (
	xRunMasked       = 4
	xRunAlwaysMasked = 6
)

// longestXRun is the longest run of 'X' or of 'x' in s (one case per run).
func longestXRun(s string) int {
	longest, run := 0, 0
	var prev byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case (c == 'X' || c == 'x') && c == prev:
			run++
		case c == 'X' || c == 'x':
			run = 1
		default:
			run = 0
		}
		prev = c
		longest = max(longest, run)
	}
	return longest
}

// Key problem codes: why a string is not a license key. The extension's
// lib/key.js returns the same codes; testdata/keys.json pins both.
const (
	KeyEmpty          = "empty"
	KeyMasked         = "masked"
	KeyWhitespace     = "whitespace"
	KeyMarkup         = "markup"
	KeyNonASCII       = "non_ascii"
	KeyLength         = "length"
	KeyClassicShape   = "classic_shape"
	KeyTooFewDistinct = "too_few_distinct"
)

// KeyProblem returns the first rule s breaks as a license key (one of the
// Key* codes), or "" when s is plausible.
func KeyProblem(s string) string {
	if s == "" {
		return KeyEmpty
	}
	lower := strings.ToLower(s)
	for _, m := range maskMarkers {
		if strings.Contains(lower, strings.ToLower(m)) {
			return KeyMasked
		}
	}
	xRun := longestXRun(s)
	if xRun >= xRunAlwaysMasked {
		return KeyMasked
	}
	p := shapeProblem(s)
	if p != "" && xRun >= xRunMasked {
		return KeyMasked
	}
	return p
}

// shapeProblem is KeyProblem's rules after the mask markers.
func shapeProblem(s string) string {
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff':
			return KeyWhitespace
		case strings.ContainsRune("<>\"'`&\\", r):
			return KeyMarkup
		case r < 0x21 || r > 0x7e:
			return KeyNonASCII
		}
	}
	if n := len(s); n < MinKeyLen || n > MaxKeyLen {
		return KeyLength
	}
	if classicKeyPrefix.MatchString(s) && !classicKey.MatchString(s) {
		return KeyClassicShape
	}
	distinct := map[rune]bool{}
	for _, r := range s {
		distinct[r] = true
	}
	if len(distinct) < 6 {
		return KeyTooFewDistinct
	}
	return ""
}

// ValidateKey reports why s cannot be a license key, or nil if it is
// plausible. It never echoes s in the error.
func ValidateKey(s string) error {
	switch KeyProblem(s) {
	case "":
		return nil
	case KeyEmpty:
		return Errorf(EINVALID, "ライセンスキーが空です。", "The license key is empty.")
	case KeyMasked:
		return Errorf(EINVALID,
			"ライセンスキーが伏せ字のままです（表示前のキーです）。「ロボットによる操作ではありません」にチェックを入れ、「確認する」を押してからもう一度取得してください。",
			"The license key is still masked. Tick 「ロボットによる操作ではありません」, press 確認する, then capture again.")
	case KeyWhitespace:
		return Errorf(EINVALID, "ライセンスキーに空白や改行が含まれています。", "The license key contains whitespace or a line break.")
	case KeyMarkup:
		return Errorf(EINVALID, "ライセンスキーにHTMLなどの記号が含まれています。", "The license key contains markup characters.")
	case KeyNonASCII:
		return Errorf(EINVALID, "ライセンスキーに半角英数字と記号以外の文字が含まれています。", "The license key contains characters other than ASCII letters, digits and symbols.")
	case KeyLength:
		return Errorf(EINVALID, "ライセンスキーの長さ（%d文字）が不自然です。%d〜%d文字のはずです。",
			"The license key's length (%d characters) is implausible: expected %d to %d.", len(s), MinKeyLen, MaxKeyLen)
	case KeyClassicShape:
		return Errorf(EINVALID,
			"ライセンスキーの形式（SL+店舗ID6桁_英数字16桁）と一致しません。先頭か末尾の文字が欠けている可能性があります。",
			"The license key does not match its shape (SL + 6-digit shop id + _ + 16 alphanumerics): a first or last character may be missing.")
	default:
		return Errorf(EINVALID, "ライセンスキーの文字の種類が少なすぎます（伏せ字や仮の値の可能性があります）。",
			"The license key has too few distinct characters; it looks like a placeholder.")
	}
}

// KeyLast4 returns the last four characters, the only part of a key the UI shows.
func KeyLast4(key string) string {
	if len(key) <= 4 {
		return key
	}
	return key[len(key)-4:]
}

// MaskKey renders a key the way RMS lists it: 末尾4桁: ABCD.
func MaskKey(last4 string) string { return "末尾4桁: " + last4 }
