package goq

import (
	"bytes"
	"crypto/rand"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/text/encoding"

	"keyrelay/internal/keyrelay"
)

// submission is a form ready to send: what a browser would send when the
// operator presses the submitter.
type submission struct {
	url         *url.URL
	contentType string
	body        []byte
	charset     string
}

// buildSubmission is the HTML Standard's form submission algorithm for a
// POST, with the values in set replacing those of their controls. pageURL is
// where the form came from.
func buildSubmission(d *document, pageURL *url.URL, f *form, set map[*control]string, submitter *control) (*submission, error) {
	// The submitter's formaction, formmethod and formenctype override the
	// form's attributes.
	method, enctype, action := f.method, f.enctype, f.action
	hasAction := f.hasAction
	if submitter != nil {
		if has(submitter.node, "formmethod") {
			method = submitter.formMethod
		}
		if has(submitter.node, "formenctype") {
			enctype = submitter.formEnctype
		}
		if submitter.hasFormAction {
			action, hasAction = submitter.formAction, true
		}
	}
	// method and enctype are enumerated attributes: an invalid value is the
	// default (GET, urlencoded).
	if !strings.EqualFold(strings.TrimSpace(method), "post") {
		// A GET form would put the key (or the password) in a URL, which
		// ends up in server logs and history. (A dialog method does not
		// submit at all.)
		return nil, keyrelay.Errorf(keyrelay.EINVALID,
			"GoQSystem のフォームがPOST以外で送信する形式のため、安全に送信できません。",
			"The GoQSystem form does not use POST, so keyrelay will not send secrets with it.")
	}
	base := pageURL
	if d.base != "" {
		if b, err := pageURL.Parse(d.base); err == nil {
			base = b
		}
	}
	target := pageURL
	// The action: empty or missing is the document's URL; otherwise it is
	// parsed relative to the base URL (after stripping leading and trailing
	// ASCII white space, as URL parsing does).
	if action = strings.TrimFunc(action, func(r rune) bool { return r <= 0x20 }); hasAction && action != "" {
		u, err := base.Parse(action)
		if err != nil {
			return nil, keyrelay.Errorf(keyrelay.EINVALID,
				"GoQSystem のフォームの送信先URLを解釈できません。", "The GoQSystem form's action URL cannot be parsed.")
		}
		target = u
	}
	// A POST's URL keeps the query and drops the fragment. The query of the
	// action is encoded as URL parsing does it: in the document's encoding,
	// with the query percent-encode set.
	rawQuery := target.RawQuery
	if hasAction && action != "" {
		if i := strings.IndexByte(action, '?'); i >= 0 {
			q := action[i+1:]
			if j := strings.IndexByte(q, '#'); j >= 0 {
				q = q[:j]
			}
			docEnc, _ := submissionEncoding(&form{node: &html.Node{}}, d.charset)
			rawQuery = encodeQuery(docEnc, q)
		}
	}
	target = &url.URL{Scheme: target.Scheme, User: target.User, Host: target.Host, Path: target.Path,
		RawPath: target.RawPath, RawQuery: rawQuery}
	if !sameOrigin(target, pageURL) {
		return nil, keyrelay.Errorf(keyrelay.EINVALID,
			"GoQSystem のフォームの送信先が別のサイトになっているため、送信を中止しました。",
			"The GoQSystem form posts to another site; keyrelay refused to send it.")
	}
	enc, csName := submissionEncoding(f, d.charset)
	entries := formEntries(f, set, submitter, csName)
	sub := &submission{url: target, charset: csName}
	switch strings.ToLower(strings.TrimSpace(enctype)) {
	case "multipart/form-data":
		sub.body, sub.contentType = multipartBody(enc, entries)
	case "text/plain":
		return nil, keyrelay.Errorf(keyrelay.EINVALID,
			"GoQSystem のフォームの送信形式（text/plain）には対応していません。",
			"The GoQSystem form's encoding (text/plain) is not supported.")
	default:
		sub.body, sub.contentType = urlencodedBody(enc, entries), "application/x-www-form-urlencoded"
	}
	return sub, nil
}

// urlencodedBody is the application/x-www-form-urlencoded serializer: line
// breaks become CR LF, each name and value is encoded in the submission's
// encoding (unencodable characters as &#NNNN;) and percent-encoded with
// the urlencoded set, space as "+". A file sends its name, which is empty.
func urlencodedBody(enc encoding.Encoding, entries []entry) []byte {
	var b bytes.Buffer
	for i, e := range entries {
		if i > 0 {
			b.WriteByte('&')
		}
		percentEncode(&b, encodeText(enc, crlf(e.name)))
		b.WriteByte('=')
		percentEncode(&b, encodeText(enc, crlf(e.value)))
	}
	return b.Bytes()
}

// percentEncode writes p with every byte outside the
// application/x-www-form-urlencoded safe set (ASCII alphanumerics and
// *-._) percent-encoded, and space as "+".
func percentEncode(b *bytes.Buffer, p []byte) {
	const hex = "0123456789ABCDEF"
	for _, c := range p {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '*', c == '-', c == '.', c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
}

// multipartBody is the multipart/form-data encoding algorithm as browsers
// implement it: names (and file names) have line breaks normalised to CR LF
// and then ", CR and LF escaped as %22, %0D and %0A; values have line
// breaks normalised to CR LF; both are encoded in the submission's
// encoding.
func multipartBody(enc encoding.Encoding, entries []entry) ([]byte, string) {
	boundary := newBoundary()
	esc := strings.NewReplacer(`"`, "%22", "\r", "%0D", "\n", "%0A")
	var b bytes.Buffer
	for _, e := range entries {
		b.WriteString("--" + boundary + "\r\n")
		b.WriteString(`Content-Disposition: form-data; name="`)
		b.Write(encodeText(enc, esc.Replace(crlf(e.name))))
		b.WriteString(`"`)
		if e.file {
			b.WriteString("; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n")
			continue
		}
		b.WriteString("\r\n\r\n")
		b.Write(encodeText(enc, crlf(e.value)))
		b.WriteString("\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes(), "multipart/form-data; boundary=" + boundary
}

// newBoundary makes a boundary like Chromium's (----WebKitFormBoundary and
// 16 alphanumerics); its bytes cannot occur in a value that matters here.
func newBoundary() string {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	r := make([]byte, 16)
	rand.Read(r)
	for i := range r {
		r[i] = alnum[int(r[i])%len(alnum)]
	}
	return "----WebKitFormBoundary" + string(r)
}

// encodeQuery is the URL Standard's query state for a special URL: tabs
// and newlines are removed, the text is encoded in the document's encoding
// (unencodable characters as &#NNNN;), and the bytes in the special-query
// percent-encode set (C0 controls, space, ", #, ', <, > and non-ASCII) are
// percent-encoded; everything else, "%" included, stays.
func encodeQuery(enc encoding.Encoding, q string) string {
	q = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(q)
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for _, c := range encodeText(enc, q) {
		if c < 0x21 || c > 0x7e || c == '"' || c == '#' || c == '\'' || c == '<' || c == '>' {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// sameOrigin compares scheme, host and effective port.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) &&
		effectivePort(a) == effectivePort(b)
}

func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "http") {
		return "80"
	}
	return "443"
}
