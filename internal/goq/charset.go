package goq

import (
	"bytes"
	"mime"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"

	"keyrelay/internal/keyrelay"
)

// decodePage turns a page's bytes into text the way a browser picks the
// encoding: a byte order mark, else the charset of the Content-Type header,
// else a <meta charset> or <meta http-equiv=Content-Type> in the first 1024
// bytes (golang.org/x/net/html/charset implements these rules). It returns
// the encoding's name as the HTML Standard spells it.
//
// It refuses, naming the charset, a page whose declared charset is unknown
// or is the "replacement" encoding, a page in which any byte does not
// decode (its settings would be posted back garbled), and a page with
// non-ASCII bytes that names no charset and is not UTF-8 (a browser would
// guess; so would we, and a wrong guess rewrites every Japanese setting).
func decodePage(body []byte, contentType string) (string, string, error) {
	declared := ""
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		declared = strings.TrimSpace(params["charset"])
	}
	if declared == "" {
		declared = metaCharset(body)
	}
	enc, name, certain := charset.DetermineEncoding(body, contentType)
	if declared != "" && !bomPresent(body) {
		e, err := htmlindex.Get(declared)
		if err != nil || e == encoding.Replacement {
			return "", "", errUndecodable(declared)
		}
		enc, name, certain = e, canonicalName(e), true
	}
	if !certain && name != "utf-8" && hasHighBit(body) {
		return "", "", errUndecodable("（指定なし / none declared）")
	}
	name = whatwgName(name)
	if enc == encoding.Nop || name == "UTF-8" {
		if !utf8.Valid(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))) {
			return "", "", errUndecodable("UTF-8")
		}
		return string(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))), "UTF-8", nil
	}
	// The decoder of x/text replaces an invalid sequence with U+FFFD; none of
	// the legacy Japanese encodings can encode U+FFFD, so one in the output
	// is a byte that did not decode.
	out, err := enc.NewDecoder().Bytes(body)
	// (bytes.ContainsRune would match any invalid sequence in body too.)
	if err != nil || bytes.Contains(out, []byte("\uFFFD")) && !bytes.Contains(body, []byte("\uFFFD")) {
		return "", "", errUndecodable(name)
	}
	return strings.TrimPrefix(string(out), "\ufeff"), name, nil
}

func bomPresent(b []byte) bool {
	return bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) || bytes.HasPrefix(b, []byte("\xfe\xff")) || bytes.HasPrefix(b, []byte("\xff\xfe"))
}

func hasHighBit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// metaCharset finds the label a <meta> in the first 1024 bytes names, so an
// unknown label can be reported instead of silently ignored.
func metaCharset(body []byte) string {
	if len(body) > 1024 {
		body = body[:1024]
	}
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return ""
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		t := z.Token()
		if t.DataAtom != atom.Meta {
			continue
		}
		var cs, equiv, content string
		for _, a := range t.Attr {
			switch a.Key {
			case "charset":
				cs = a.Val
			case "http-equiv":
				equiv = a.Val
			case "content":
				content = a.Val
			}
		}
		if cs = strings.TrimSpace(cs); cs != "" {
			return cs
		}
		if strings.EqualFold(strings.TrimSpace(equiv), "content-type") {
			if _, params, err := mime.ParseMediaType(content); err == nil && params["charset"] != "" {
				return params["charset"]
			}
		}
	}
}

func canonicalName(e encoding.Encoding) string {
	n, err := htmlindex.Name(e)
	if err != nil {
		return "utf-8"
	}
	return n
}

// whatwgName spells an encoding's name as the Encoding Standard does; that
// is what _charset_ sends.
func whatwgName(n string) string {
	switch strings.ToLower(n) {
	case "utf-8", "":
		return "UTF-8"
	case "shift_jis":
		return "Shift_JIS"
	case "euc-jp":
		return "EUC-JP"
	case "iso-2022-jp":
		return "ISO-2022-JP"
	case "utf-16le":
		return "UTF-16LE"
	case "utf-16be":
		return "UTF-16BE"
	case "gbk":
		return "GBK"
	case "big5":
		return "Big5"
	case "euc-kr":
		return "EUC-KR"
	case "koi8-r":
		return "KOI8-R"
	case "koi8-u":
		return "KOI8-U"
	case "gb18030":
		return "gb18030"
	}
	if strings.HasPrefix(strings.ToLower(n), "iso-8859-") {
		return "ISO-8859-" + n[len("iso-8859-"):]
	}
	return n
}

// submissionEncoding is the HTML Standard's "pick an encoding for the
// form": the first label in accept-charset that names an encoding, UTF-8 if
// accept-charset names none, else the document's encoding; then "get an
// output encoding" (UTF-16 and replacement submit as UTF-8).
func submissionEncoding(f *form, docCharset string) (encoding.Encoding, string) {
	name := docCharset
	if ac, ok := attr(f.node, "accept-charset"); ok {
		name = "UTF-8"
		for _, label := range strings.FieldsFunc(ac, isASCIISpace) {
			if e, err := htmlindex.Get(label); err == nil {
				name = whatwgName(canonicalName(e))
				break
			}
		}
	}
	switch strings.ToLower(name) {
	case "", "utf-8", "utf-16le", "utf-16be", "replacement":
		return nil, "UTF-8"
	}
	e, err := htmlindex.Get(name)
	if err != nil || e == encoding.Replacement || e == unicode.UTF8 {
		return nil, "UTF-8"
	}
	return e, name
}

// encodeText encodes s in enc (nil: UTF-8). A character the encoding
// cannot represent becomes an HTML decimal character reference "&#NNNN;",
// which is what browsers send (the Encoding Standard's "html" error mode).
func encodeText(enc encoding.Encoding, s string) []byte {
	if enc == nil {
		return []byte(s)
	}
	// Compared by name: charset.Lookup and htmlindex may hand out wrapped
	// encodings, not x/text's variables.
	var one func(rune) ([]byte, bool)
	switch canonicalName(enc) {
	case "iso-2022-jp":
		return encodeISO2022JP(s)
	case "shift_jis":
		one = encodeShiftJIS
	case "euc-jp":
		one = encodeEUCJP
	}
	if one != nil {
		var out []byte
		for _, r := range s {
			if b, ok := one(r); ok {
				out = append(out, b...)
			} else {
				out = append(out, "&#"+strconv.Itoa(int(r))+";"...)
			}
		}
		return out
	}
	// Other encodings: a character is tested alone, then the string with
	// references in place of the unencodable ones is encoded in one pass,
	// so that a stateful encoding (ISO-2022-JP) switches modes only where
	// it must.
	var sb strings.Builder
	for _, r := range s {
		if _, err := enc.NewEncoder().String(string(r)); err != nil || r == utf8.RuneError {
			sb.WriteString("&#" + strconv.Itoa(int(r)) + ";")
			continue
		}
		sb.WriteRune(r)
	}
	out, err := enc.NewEncoder().Bytes([]byte(sb.String()))
	if err != nil {
		return []byte(sb.String()) // cannot happen: every rune was encodable alone
	}
	return out
}

func errUndecodable(cs string) error {
	return keyrelay.Errorf(keyrelay.EINVALID,
		"GoQSystem の画面の文字コード（%s）を正しく読めないため、他の設定を壊さずに送信できません。送信していません。",
		"The GoQSystem page's character encoding (%s) cannot be decoded, so keyrelay cannot submit it without garbling the other settings; nothing was sent.",
		cs)
}
