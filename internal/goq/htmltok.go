package goq

import (
	"html"
	"strings"
)

// The tokenizer covers the part of the HTML tokenization rules that decides
// where forms, controls and label text are: tags with attributes in any
// quoting, text, comments, and raw-text elements (script, style) whose
// contents are not markup. It never fails; malformed input degrades to text,
// as in a browser. The module has no HTML parser (golang.org/x/net is not a
// dependency), hence this one.

type tokKind uint8

const (
	tokText tokKind = iota
	tokStart
	tokEnd
	tokComment
)

type attr struct{ key, val string }

type token struct {
	kind  tokKind
	name  string // lower-case tag name
	attrs []attr
	text  string // decoded text, or comment text
}

func (t *token) attr(key string) (string, bool) {
	for _, a := range t.attrs {
		if a.key == key {
			return a.val, true
		}
	}
	return "", false
}

func (t *token) has(key string) bool {
	_, ok := t.attr(key)
	return ok
}

// rawText elements hold text that is not markup and not shown: their content
// is skipped. noscript counts because the browser we stand in for runs
// scripts, so it ignores what noscript holds.
var rawText = map[string]bool{"script": true, "style": true, "xmp": true, "iframe": true,
	"noembed": true, "noframes": true, "noscript": true}

// rcdata elements hold text with entities but no tags.
var rcdata = map[string]bool{"textarea": true, "title": true}

func tokenize(src string) []token {
	src = normalizeNewlines(src)
	lower := asciiLower(src)
	var toks []token
	text := func(s string) {
		if s = strings.ReplaceAll(s, "\x00", ""); s != "" {
			toks = append(toks, token{kind: tokText, text: html.UnescapeString(s)})
		}
	}
	i, textStart := 0, 0
	for {
		j := strings.IndexByte(src[i:], '<')
		if j < 0 {
			break
		}
		i += j
		rest := src[i+1:]
		switch {
		case strings.HasPrefix(rest, "!--"):
			text(src[textStart:i])
			body := src[i+4:]
			switch {
			case strings.HasPrefix(body, ">"): // <!-->
				i += 5
			case strings.HasPrefix(body, "->"): // <!--->
				i += 6
			default:
				end := strings.Index(body, "-->")
				if end < 0 {
					toks = append(toks, token{kind: tokComment, text: body})
					return toks
				}
				toks = append(toks, token{kind: tokComment, text: body[:end]})
				i += 4 + end + 3
			}
			textStart = i
		case strings.HasPrefix(rest, "!") || strings.HasPrefix(rest, "?"):
			// Doctype, CDATA outside foreign content, processing instruction:
			// a bogus comment up to the next '>'.
			text(src[textStart:i])
			end := strings.IndexByte(rest, '>')
			if end < 0 {
				return toks
			}
			i += 1 + end + 1
			textStart = i
		case strings.HasPrefix(rest, "/") && len(rest) > 1 && isASCIILetter(rest[1]):
			text(src[textStart:i])
			name, n := tagName(lower, i+2)
			end := strings.IndexByte(src[n:], '>')
			if end < 0 {
				return toks
			}
			toks = append(toks, token{kind: tokEnd, name: name})
			i = n + end + 1
			textStart = i
		case strings.HasPrefix(rest, "/>"): // </> is ignored
			text(src[textStart:i])
			i += 3
			textStart = i
		case strings.HasPrefix(rest, "/"): // </ followed by junk: bogus comment
			text(src[textStart:i])
			end := strings.IndexByte(rest, '>')
			if end < 0 {
				return toks
			}
			i += 1 + end + 1
			textStart = i
		case len(rest) > 0 && isASCIILetter(rest[0]):
			text(src[textStart:i])
			tok, n, ok := startTag(src, lower, i+1)
			if !ok { // EOF inside a tag: the tag is dropped
				return toks
			}
			toks = append(toks, tok)
			i = n
			textStart = i
			if rawText[tok.name] || rcdata[tok.name] {
				end := closingTag(lower, i, tok.name)
				if rcdata[tok.name] {
					text(src[i:end])
				}
				i, textStart = end, end
			}
		default: // a lone '<' is text
			i++
		}
	}
	text(src[textStart:])
	return toks
}

// tagName reads a tag name starting at i of the lower-cased source.
func tagName(lower string, i int) (string, int) {
	j := i
	for j < len(lower) && !isTagSpace(lower[j]) && lower[j] != '/' && lower[j] != '>' {
		j++
	}
	return strings.ReplaceAll(lower[i:j], "\x00", "\uFFFD"), j
}

// startTag parses the tag whose name starts at i and returns the index just
// past its '>'.
func startTag(src, lower string, i int) (token, int, bool) {
	name, i := tagName(lower, i)
	tok := token{kind: tokStart, name: name}
	for {
		for i < len(src) && (isTagSpace(src[i]) || src[i] == '/') {
			i++
		}
		if i >= len(src) {
			return tok, i, false
		}
		if src[i] == '>' {
			return tok, i + 1, true
		}
		// Attribute name: a leading '=' is part of it, per the spec.
		j := i + 1
		for j < len(src) && !isTagSpace(src[j]) && src[j] != '/' && src[j] != '>' && src[j] != '=' {
			j++
		}
		key := lower[i:j]
		i = j
		for i < len(src) && isTagSpace(src[i]) {
			i++
		}
		val := ""
		if i < len(src) && src[i] == '=' {
			i++
			for i < len(src) && isTagSpace(src[i]) {
				i++
			}
			if i >= len(src) {
				return tok, i, false
			}
			switch q := src[i]; q {
			case '"', '\'':
				end := strings.IndexByte(src[i+1:], q)
				if end < 0 {
					return tok, len(src), false
				}
				val = src[i+1 : i+1+end]
				i += 1 + end + 1
			case '>':
				// "a=>" : empty value, the '>' closes the tag.
			default:
				j := i
				for j < len(src) && !isTagSpace(src[j]) && src[j] != '>' {
					j++
				}
				val = src[i:j]
				i = j
			}
		}
		if !tok.has(key) { // the first of duplicate attributes wins
			tok.attrs = append(tok.attrs, attr{key: key, val: html.UnescapeString(val)})
		}
	}
}

// closingTag finds where the raw text of element name ends: at "</name"
// followed by space, '/' or '>', or at the end of the input.
func closingTag(lower string, i int, name string) int {
	needle := "</" + name
	for {
		j := strings.Index(lower[i:], needle)
		if j < 0 {
			return len(lower)
		}
		k := i + j + len(needle)
		if k >= len(lower) || isTagSpace(lower[k]) || lower[k] == '/' || lower[k] == '>' {
			return i + j
		}
		i = k
	}
}

// normalizeNewlines turns CRLF and lone CR into LF, as the HTML input stream
// preprocessor does before tokenizing.
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// asciiLower lower-cases ASCII letters only, so byte offsets stay the same.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isTagSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}
