package goq

import (
	"bytes"
	"mime/multipart"
	"net/url"
	"strings"

	"keyrelay/internal/keyrelay"
)

// submission is a form ready to send: what a browser would send when the
// operator presses the submitter.
type submission struct {
	url         *url.URL
	contentType string
	body        []byte
}

type entry struct {
	name, value string
	file        bool // an empty file input
}

// buildSubmission serialises f as a browser would, with the values in set
// replacing those of their controls. pageURL is where the form came from;
// charset is the page's, from the header or <meta>.
func buildSubmission(d *document, pageURL *url.URL, charset string, f *form, set map[*control]string, submitter *control) (*submission, error) {
	if !utf8Charset(charset) {
		return nil, errCharset()
	}
	if f.acceptCharset != "" && !anyUTF8(f.acceptCharset) {
		return nil, errCharset()
	}
	method, enctype, action := f.method, f.enctype, f.action
	hasAction := f.hasAction
	if submitter != nil {
		if submitter.formMethod != "" {
			method = submitter.formMethod
		}
		if submitter.formEnctype != "" {
			enctype = submitter.formEnctype
		}
		if submitter.hasFormAction {
			action, hasAction = submitter.formAction, true
		}
	}
	if !strings.EqualFold(strings.TrimSpace(method), "post") {
		// A GET form would put the key (or the password) in a URL, which
		// ends up in server logs and history.
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
	if action = strings.TrimSpace(action); hasAction && action != "" {
		u, err := base.Parse(action)
		if err != nil {
			return nil, keyrelay.Errorf(keyrelay.EINVALID,
				"GoQSystem のフォームの送信先URLを解釈できません。", "The GoQSystem form's action URL cannot be parsed.")
		}
		target = u
	}
	target = &url.URL{Scheme: target.Scheme, User: target.User, Host: target.Host, Path: target.Path,
		RawPath: target.RawPath, RawQuery: target.RawQuery}
	if !sameOrigin(target, pageURL) {
		return nil, keyrelay.Errorf(keyrelay.EINVALID,
			"GoQSystem のフォームの送信先が別のサイトになっているため、送信を中止しました。",
			"The GoQSystem form posts to another site; keyrelay refused to send it.")
	}

	entries := formEntries(f, set, submitter)
	sub := &submission{url: target}
	switch strings.ToLower(strings.TrimSpace(enctype)) {
	case "multipart/form-data":
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for _, e := range entries {
			if e.file {
				part, err := w.CreateFormFile(e.name, "")
				if err != nil {
					return nil, err
				}
				part.Write(nil)
				continue
			}
			if err := w.WriteField(e.name, e.value); err != nil {
				return nil, err
			}
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		sub.body, sub.contentType = buf.Bytes(), w.FormDataContentType()
	case "text/plain":
		return nil, keyrelay.Errorf(keyrelay.EINVALID,
			"GoQSystem のフォームの送信形式（text/plain）には対応していません。",
			"The GoQSystem form's encoding (text/plain) is not supported.")
	default:
		var b strings.Builder
		for i, e := range entries {
			if i > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(e.name))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(e.value))
		}
		sub.body, sub.contentType = []byte(b.String()), "application/x-www-form-urlencoded"
	}
	return sub, nil
}

// formEntries is the HTML "constructing the entry list" algorithm for the
// controls this parser knows, in tree order.
func formEntries(f *form, set map[*control]string, submitter *control) []entry {
	var out []entry
	add := func(name, value string) { out = append(out, entry{name: crlf(name), value: crlf(value)}) }
	for _, c := range f.controls {
		if c.disabled {
			continue
		}
		if isSubmit(c) && c != submitter {
			continue
		}
		if c.tag == "button" && c.typ != "submit" || c.tag == "input" && (c.typ == "button" || c.typ == "reset") {
			continue
		}
		if c.tag == "input" && c.typ == "image" {
			prefix := ""
			if c.name != "" {
				prefix = c.name + "."
			}
			add(prefix+"x", "0")
			add(prefix+"y", "0")
			continue
		}
		if c.name == "" {
			continue
		}
		value := c.value
		if v, ok := set[c]; ok {
			value = v
		}
		switch {
		case c.tag == "select":
			for _, o := range selectedOptions(c) {
				add(c.name, o.value)
			}
			continue
		case c.tag == "input" && (c.typ == "checkbox" || c.typ == "radio"):
			if !c.checked {
				continue
			}
			if !c.hasValue {
				value = "on"
			}
		case c.tag == "input" && c.typ == "file":
			out = append(out, entry{name: crlf(c.name), file: true})
			continue
		case c.tag == "input" && c.typ == "hidden" && strings.EqualFold(c.name, "_charset_") && !c.hasValue:
			value = "UTF-8"
		}
		add(c.name, value)
		if c.dirname != "" && (textLike(c)) {
			add(c.dirname, "ltr")
		}
	}
	return out
}

// selectedOptions applies the selectedness rules: for a single select the
// last option marked selected, else the first that is not disabled; disabled
// options are never sent.
func selectedOptions(c *control) []*option {
	var out []*option
	if c.multiple {
		for _, o := range c.options {
			if o.selected && !o.disabled {
				out = append(out, o)
			}
		}
		return out
	}
	var pick *option
	for _, o := range c.options {
		if o.selected {
			pick = o
		}
	}
	if pick == nil {
		for _, o := range c.options {
			if !o.disabled {
				pick = o
				break
			}
		}
	}
	if pick == nil || pick.disabled {
		return nil
	}
	return []*option{pick}
}

// chooseSubmitter picks the button the operator would press: the one labelled
// 設定を保存して次へ進む, else one that says 保存, else the form's default
// button (the first), which is what pressing Enter uses.
func chooseSubmitter(f *form, want string) *control {
	var first, exact, save *control
	for _, c := range f.controls {
		if !isSubmit(c) || c.disabled {
			continue
		}
		lbl := normLabel(c.value)
		if c.tag == "button" {
			lbl = normLabel(c.text)
		}
		if first == nil {
			first = c
		}
		if exact == nil && want != "" && strings.Contains(lbl, normLabel(want)) {
			exact = c
		}
		if save == nil && strings.Contains(lbl, "保存") {
			save = c
		}
	}
	switch {
	case exact != nil:
		return exact
	case save != nil && want != "":
		return save
	}
	return first
}

// crlf normalises line breaks to CRLF, as form submission does.
func crlf(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

func utf8Charset(cs string) bool {
	switch strings.ToLower(strings.TrimSpace(cs)) {
	case "", "utf-8", "utf8", "unicode-1-1-utf-8", "us-ascii", "ascii":
		return true
	}
	return false
}

func anyUTF8(list string) bool {
	for _, cs := range strings.FieldsFunc(list, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' }) {
		if utf8Charset(cs) {
			return true
		}
	}
	return false
}

func errCharset() error {
	return keyrelay.Errorf(keyrelay.EINVALID,
		"GoQSystem の画面がUTF-8以外の文字コードのため、他の設定を壊さずに送信できません。",
		"The GoQSystem page is not UTF-8; keyrelay cannot submit it without garbling the other settings.")
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
