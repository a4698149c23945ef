package goq

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// document is a parsed page: the DOM that golang.org/x/net/html builds (the
// HTML Standard's tree construction, so misnested and unclosed markup lands
// where a browser puts it), plus each listed control's form owner, which the
// library does not record.
type document struct {
	root     *html.Node
	forms    []*form
	controls []*control // every listed control in the document, in tree order
	byID     map[string]*html.Node
	base     string // <base href>, if any
	charset  string // the encoding the page was decoded with (WHATWG name)
	text     string // all text outside script/style/template, for recognising error pages
}

type form struct {
	node                                   *html.Node
	action, method, enctype, acceptCharset string
	hasAction                              bool
	controls                               []*control // listed controls whose form owner this is, in tree order
}

type control struct {
	node     *html.Node
	form     *form  // form owner
	tag      string // input, select, textarea, button, fieldset, object, output
	typ      string // input: the type keyword's state (lower case, "text" when unknown); button: submit/reset/button
	name, id string
	value    string // input: value after sanitisation; textarea: raw value; button: value attribute
	hasValue bool
	checked  bool
	disabled bool
	readOnly bool
	multiple bool
	options  []*option
	// Overrides a submit button can carry.
	formAction, formMethod, formEnctype string
	hasFormAction                       bool
}

type option struct {
	node               *html.Node
	value, text        string
	selected, disabled bool
}

// Markers the pre-pass (ownerPrepass) adds to start tags, so that the form
// element pointer of the tree construction survives into the DOM.
const (
	formSeqAttr = "data-keyrelay-form"
	formOwnAttr = "data-keyrelay-owner"
	leadAttr    = "data-keyrelay-lead" // see ownerPrepass
)

// parseDocument parses decoded page text.
func parseDocument(src string) *document {
	root, err := html.Parse(strings.NewReader(ownerPrepass(src)))
	if err != nil { // html.Parse fails only when reading fails; a string reader does not
		root = &html.Node{Type: html.DocumentNode}
	}
	d := &document{root: root, byID: map[string]*html.Node{}}
	formBySeq := map[string]*form{}
	var text strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			text.WriteString(n.Data)
		}
		if n.Type == html.ElementNode && n.Namespace == "" {
			if id, ok := attr(n, "id"); ok && id != "" {
				if _, seen := d.byID[id]; !seen {
					d.byID[id] = n
				}
			}
			switch n.DataAtom {
			case atom.Template:
				return // template contents are not in the document
			case atom.Script, atom.Style, atom.Noscript:
				// Not shown; noscript because the browser we stand in for runs scripts.
				return
			case atom.Base:
				if h, ok := attr(n, "href"); ok && d.base == "" {
					d.base = strings.TrimSpace(h)
				}
			case atom.Form:
				f := &form{node: n}
				f.action, f.hasAction = attr(n, "action")
				f.method, _ = attr(n, "method")
				f.enctype, _ = attr(n, "enctype")
				f.acceptCharset, _ = attr(n, "accept-charset")
				d.forms = append(d.forms, f)
				if s, ok := attr(n, formSeqAttr); ok {
					formBySeq[s] = f
				}
			case atom.Input, atom.Button, atom.Select, atom.Textarea, atom.Fieldset, atom.Object, atom.Output:
				d.controls = append(d.controls, newControl(n))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	d.text = text.String()
	// Form owners. The parser associates a listed element without form= with
	// the form element pointer (the form whose start tag was seen last, until
	// its end tag), which is how a <form> inside a <table> still owns the
	// inputs in the rows after it. Otherwise the owner is reset: the form
	// that form= names (the first element with that id, if it is a form),
	// else the nearest ancestor form.
	formOf := map[*html.Node]*form{}
	for _, f := range d.forms {
		formOf[f.node] = f
	}
	for _, c := range d.controls {
		if id, ok := attr(c.node, "form"); ok {
			if n := d.byID[id]; n != nil {
				c.form = formOf[n]
			}
		} else if f := formBySeq[attrOr(c.node, formOwnAttr)]; f != nil {
			c.form = f
		} else {
			// No pointer, or it named a <form> start tag the parser did not
			// turn into a form in the document (inside a template, a
			// select, or SVG): the nearest ancestor form.
			for a := c.node.Parent; a != nil; a = a.Parent {
				if f := formOf[a]; f != nil {
					c.form = f
					break
				}
			}
		}
		if c.form != nil {
			c.form.controls = append(c.form.controls, c)
		}
	}
	uncheckRadioGroups(d.controls)
	return d
}

// ownerPrepass runs the tokenizer over src and marks every <form> start tag
// with its sequence number and every listed element's start tag with the
// form element pointer at that moment: set by a <form> start tag when it is
// not set, cleared by any </form> end tag. The markers go right after the
// tag name, so an attribute of the page with the same name (which would come
// later) cannot override them.
func ownerPrepass(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var out strings.Builder
	out.Grow(len(src) + len(src)/16)
	pointer, seq := -1, 0
	var textarea []byte // a <textarea> start tag held back until its text is seen
	for {
		tt := z.Next()
		raw := append([]byte(nil), z.Raw()...)
		if textarea != nil {
			// x/net/html drops a CR (and an LF after it) at the start of a
			// textarea; the HTML Standard drops only an LF token, and a CR
			// there can only come from a character reference (&#13;),
			// which stays. Record what will be dropped, to put it back.
			if tt == html.TextToken {
				if t := z.Text(); len(t) > 0 && t[0] == '\r' {
					lead := "13"
					if len(t) > 1 && t[1] == '\n' {
						lead = "13,10"
					}
					textarea = insertAttr(textarea, leadAttr+`="`+lead+`"`)
				}
			}
			out.Write(textarea)
			textarea = nil
		}
		if tt == html.ErrorToken {
			return out.String()
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken && tt != html.EndTagToken {
			out.Write(raw)
			continue
		}
		name, _ := z.TagName()
		mark := ""
		switch string(name) {
		case "form":
			if tt == html.EndTagToken {
				pointer = -1
				break
			}
			mark = formSeqAttr + `="` + strconv.Itoa(seq) + `"`
			if pointer < 0 {
				pointer = seq
			}
			seq++
		case "input", "button", "select", "textarea", "fieldset", "object", "output":
			if tt != html.EndTagToken && pointer >= 0 {
				mark = formOwnAttr + `="` + strconv.Itoa(pointer) + `"`
			}
		}
		if mark != "" {
			raw = insertAttr(raw, mark)
		}
		if string(name) == "textarea" && tt == html.StartTagToken {
			textarea = raw
			continue
		}
		out.Write(raw)
	}
}

// insertAttr puts attr right after the tag name of the raw start tag.
func insertAttr(raw []byte, attr string) []byte {
	i := 1
	for i < len(raw) && raw[i] != ' ' && raw[i] != '\t' && raw[i] != '\n' && raw[i] != '\f' && raw[i] != '\r' && raw[i] != '/' && raw[i] != '>' {
		i++
	}
	out := append([]byte(nil), raw[:i]...)
	out = append(out, " "+attr+" "...)
	return append(out, raw[i:]...)
}

func newControl(n *html.Node) *control {
	c := &control{node: n, tag: n.Data}
	c.name, _ = attr(n, "name")
	c.id, _ = attr(n, "id")
	c.disabled = has(n, "disabled")
	c.readOnly = has(n, "readonly")
	c.formAction, c.hasFormAction = attr(n, "formaction")
	c.formMethod, _ = attr(n, "formmethod")
	c.formEnctype, _ = attr(n, "formenctype")
	switch n.DataAtom {
	case atom.Input:
		typ, _ := attr(n, "type")
		c.typ = inputType(typ)
		c.value, c.hasValue = attr(n, "value")
		c.value = sanitizeValue(c.typ, c.value, n)
		c.checked = has(n, "checked")
	case atom.Button:
		typ, _ := attr(n, "type")
		switch t := strings.ToLower(typ); t {
		case "button", "reset":
			c.typ = t
		default:
			c.typ = "submit" // missing and invalid value default: Submit Button
		}
		c.value, c.hasValue = attr(n, "value")
	case atom.Select:
		c.multiple = has(n, "multiple")
		c.options = selectOptions(n)
	case atom.Textarea:
		// The raw value is the child text; the parser has already dropped a
		// leading newline and turned CR LF and CR into LF.
		c.value = textContent(n, false)
		switch l, _ := attr(n, leadAttr); l {
		case "13":
			c.value = "\r" + c.value
		case "13,10":
			c.value = "\r\n" + c.value
		}
	}
	return c
}

// inputType maps a type attribute to its state's keyword; an unknown or
// missing one is the Text state.
func inputType(t string) string {
	t = strings.ToLower(t)
	switch t {
	case "hidden", "text", "search", "tel", "url", "email", "password", "date", "month", "week", "time",
		"datetime-local", "number", "range", "color", "checkbox", "radio", "file", "submit", "image", "reset", "button":
		return t
	}
	return "text"
}

// uncheckRadioGroups applies the rule that checking a radio button unchecks
// the others of its group: of several radios parsed as checked, the last
// one stays checked. A group is the same form owner and the same non-empty
// name.
func uncheckRadioGroups(cs []*control) {
	type group struct {
		f    *form
		name string
	}
	last := map[group]*control{}
	for _, c := range cs {
		if c.tag == "input" && c.typ == "radio" && c.checked && c.name != "" {
			g := group{c.form, c.name}
			if prev := last[g]; prev != nil {
				prev.checked = false
			}
			last[g] = c
		}
	}
}

// attr returns the value of n's attribute key (lower case).
func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func attrOr(n *html.Node, key string) string {
	v, _ := attr(n, key)
	return v
}

func has(n *html.Node, key string) bool {
	_, ok := attr(n, key)
	return ok
}

// textContent concatenates n's descendant text. With visibleOnly it skips
// what is not rendered: script, style, template, elements with the hidden
// attribute, aria-hidden="true", display:none or visibility:hidden inline
// styles, and hidden form controls; help-icon tooltips usually hide this way.
// An image then reads as its alt text.
func textContent(n *html.Node, visibleOnly bool) string {
	return walkText(n, textWalk{visibleOnly: visibleOnly, imgAlt: visibleOnly})
}

// textWalk says how walkText reads a subtree: textContent's and
// readableText's walks differ only in these.
type textWalk struct {
	visibleOnly bool // skip what hiddenElement says is not rendered
	imgAlt      bool // an <img> reads as its alt text
	blockBreaks bool // a space around block elements and after <br>
}

// walkText concatenates n's descendant text as o says; script, style,
// template and noscript never count.
func walkText(n *html.Node, o textWalk) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Template, atom.Noscript:
				return
			}
			if o.visibleOnly && hiddenElement(n) {
				return
			}
			if o.imgAlt && n.DataAtom == atom.Img {
				if alt, ok := attr(n, "alt"); ok {
					b.WriteString(alt)
				}
			}
			if o.blockBreaks && (blockTags[n.DataAtom] || n.DataAtom == atom.Br) {
				b.WriteByte(' ')
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if o.blockBreaks && n.Type == html.ElementNode && blockTags[n.DataAtom] {
			b.WriteByte(' ')
		}
	}
	walk(n)
	return b.String()
}

// hiddenElement reports whether n is not rendered, judging from its own
// markup (no style sheets are applied).
func hiddenElement(n *html.Node) bool {
	if has(n, "hidden") {
		return true
	}
	if v, _ := attr(n, "aria-hidden"); strings.EqualFold(strings.TrimSpace(v), "true") {
		return true
	}
	if n.DataAtom == atom.Input {
		if t, _ := attr(n, "type"); strings.EqualFold(t, "hidden") {
			return true
		}
	}
	st, _ := attr(n, "style")
	st = strings.ToLower(strings.Join(strings.Fields(st), ""))
	if strings.Contains(st, "display:none") || strings.Contains(st, "visibility:hidden") {
		return true
	}
	// Class names that CSS frameworks and help icons use to hide text
	// (screen-reader text, tooltip bodies); no style sheet is applied here,
	// so the names are the evidence.
	cls, _ := attr(n, "class")
	for _, c := range strings.Fields(strings.ToLower(cls)) {
		switch c {
		case "sr-only", "visually-hidden", "screen-reader-text", "d-none", "hidden", "hide", "is-hidden",
			"invisible", "tooltip", "tooltiptext", "tooltip-text", "tooltip-inner", "popover", "balloon":
			return true
		}
	}
	return false
}

// stripCollapse is the HTML Standard's "strip and collapse ASCII
// whitespace": only tab, LF, FF, CR and space count, not NBSP or U+3000.
func stripCollapse(s string) string {
	return strings.Join(strings.FieldsFunc(s, isASCIISpace), " ")
}

func isASCIISpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r'
}

// visible reports whether the control is something the operator sees.
func (c *control) visible() bool {
	if c.tag == "input" && c.typ == "hidden" {
		return false
	}
	for n := c.node; n != nil; n = n.Parent {
		if n.Type == html.ElementNode && hiddenElement(n) {
			return false
		}
	}
	return true
}

// textLike reports whether c is a one-line or multi-line text field, the only
// kind a license key can be typed into.
func textLike(c *control) bool {
	switch c.tag {
	case "textarea":
		return true
	case "input":
		switch c.typ {
		case "text", "password", "search", "url", "email", "tel":
			return true
		}
	}
	return false
}

// isSubmit reports whether c is a submit button.
func isSubmit(c *control) bool {
	switch c.tag {
	case "button":
		return c.typ == "submit"
	case "input":
		return c.typ == "submit" || c.typ == "image"
	}
	return false
}

// isButton is the HTML Standard's "a button": entry-list construction skips
// every one except the submitter.
func isButton(c *control) bool {
	return c.tag == "button" || c.tag == "input" && (c.typ == "submit" || c.typ == "image" || c.typ == "reset" || c.typ == "button")
}

// isLoginForm reports whether f is a login form: it has a password field.
func (f *form) isLoginForm() bool {
	for _, c := range f.controls {
		if c.tag == "input" && c.typ == "password" {
			return true
		}
	}
	return false
}
