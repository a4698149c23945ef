package keyrelay

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxSettingsPath bounds Credentials.SettingsPath.
const MaxSettingsPath = 300

// CheckSettingsPath validates a destination path the operator typed (GoQ's
// WEBAPI設定 page below the base URL): it must stay below the base URL, so it
// is relative (no scheme, no host, no leading "/"), climbs nowhere (no ".."
// segment, also percent-encoded) and holds no whitespace, backslash or
// fragment. "" means the built-in default.
func CheckSettingsPath(p string) error {
	if p == "" {
		return nil
	}
	bad := func(ja, en string) error {
		return &Error{Code: EINVALID, Message: "GoQの画面パス「" + p + "」は使えません: " + ja,
			MessageEn: "The GoQ page path " + strconv.Quote(p) + " cannot be used: " + en}
	}
	switch {
	case len(p) > MaxSettingsPath:
		return Errorf(EINVALID, "GoQの画面パスが長すぎます（%d文字まで）。", "The GoQ page path is too long (at most %d characters).", MaxSettingsPath)
	case !utf8.ValidString(p):
		return bad("文字コードが不正です。", "it is not valid UTF-8.")
	case strings.IndexFunc(p, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '\\' }) >= 0:
		return bad("空白・制御文字・\\ は使えません。", "it contains whitespace, a control character or a backslash.")
	case strings.HasPrefix(p, "/"):
		return bad("ベースURLからの相対パスで入力してください（先頭の / は不要です）。", "enter it relative to the base URL, without a leading /.")
	case strings.Contains(p, "#"):
		return bad("# は使えません。", "it contains #.")
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return bad("https:// やホスト名を含めず、パスだけを入力してください。", "enter only a path, without a scheme or host.")
	}
	path, err := url.PathUnescape(u.EscapedPath())
	if err != nil {
		return bad("% の使い方が不正です。", "it has a malformed % escape.")
	}
	for _, seg := range strings.Split(path, "/") {
		if seg == ".." || seg == "." {
			return bad(". や .. は使えません。", "it contains a . or .. segment.")
		}
	}
	return nil
}

// MaxQuote bounds a destination's quoted message (Error.Quote) as stored.
const MaxQuote = 1000

// CleanQuote prepares a destination's own message for storage and display:
// the key (and any other secret given) replaced by its mask, control
// characters and runs of whitespace folded to one space, invalid UTF-8
// dropped, and cut at MaxQuote bytes on a character boundary. The words are
// otherwise kept as the destination wrote them.
func CleanQuote(q, key, keyLast4 string, secrets ...string) string {
	if len(key) >= 4 {
		q = strings.ReplaceAll(q, key, "［"+MaskKey(keyLast4)+"］")
	}
	for _, s := range secrets {
		if len(s) >= 4 {
			q = strings.ReplaceAll(q, s, "［省略 redacted］")
		}
	}
	q = strings.ToValidUTF8(q, "")
	q = strings.Join(strings.FieldsFunc(q, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if len(q) > MaxQuote {
		cut := MaxQuote
		for cut > 0 && !utf8.RuneStart(q[cut]) {
			cut--
		}
		q = q[:cut] + "…"
	}
	return q
}
