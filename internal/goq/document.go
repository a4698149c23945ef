package goq

import (
	"strings"
)

// document is what the client needs from a page: its forms and controls in
// tree order, with the text around each control that could be its label.
type document struct {
	forms  []*form
	labels []*label
	base   string // <base href>, if any
	meta   string // charset named by <meta>, if any
	text   string // all visible text, for recognising error pages
}

type form struct {
	action, method, enctype, acceptCharset string
	hasAction                              bool
	controls                               []*control
}

type control struct {
	form     *form // form owner, after the form= attribute is applied
	nest     *form // form the control sits in, if any
	formAttr string
	hasForm  bool   // has a form= attribute
	tag      string // input, select, textarea, button
	typ      string // lower-case type; "" for select/textarea
	name, id string
	value    string // input/button value, textarea text
	hasValue bool
	checked  bool
	disabled bool
	readOnly bool
	multiple bool
	dirname  string
	options  []*option
	text     string // button contents
	// Overrides a submit button can carry.
	formAction, formMethod, formEnctype string
	hasFormAction                       bool

	ariaLabel string
	// rowText is the text of the innermost table row before this control;
	// firstInRow says no text-like control came before it in that row.
	rowText    string
	firstInRow bool
	inRow      bool
	// before is the text since the previous visible control in the form:
	// the "nearest preceding text".
	before string
	// wrapLabel is the text of a <label> that contains this control.
	wrapLabel string
}

type option struct {
	value, text        string
	hasValue           bool
	selected, disabled bool
}

type label struct {
	forID string
	text  strings.Builder
	ctrls []*control
}

type tableRow struct {
	text       strings.Builder
	sawControl bool
	open       bool
}

// parseDocument builds a document from HTML source.
func parseDocument(src string) *document {
	d := &document{}
	var (
		controls  []*control           // all, in tree order
		firstByID = map[string]*form{} // first element with each id: its form, or nil if not a form
		cur       *form
		sel       *control
		opt       *option
		optText   strings.Builder
		optgroup  bool // inside a disabled optgroup
		textarea  *control
		button    *control
		labels    []*label // open labels
		rows      []*tableRow
		fieldsets []bool // open fieldsets: disabled?
		before    strings.Builder
		all       strings.Builder
		inTitle   bool
	)
	closeOption := func() {
		if opt != nil {
			opt.text = collapse(optText.String())
			if !opt.hasValue {
				opt.value = opt.text
			}
			opt = nil
			optText.Reset()
		}
	}
	fieldsetDisabled := func() bool {
		for _, f := range fieldsets {
			if f {
				return true
			}
		}
		return false
	}
	addText := func(s string) {
		if inTitle {
			return
		}
		all.WriteString(s)
		switch {
		case opt != nil:
			optText.WriteString(s)
			return
		case textarea != nil:
			// Per spec, one newline right after <textarea> is not content.
			if textarea.value == "" && !textarea.hasValue {
				s = strings.TrimPrefix(s, "\n")
			}
			textarea.value += s
			textarea.hasValue = true
			return
		case button != nil:
			button.text += s
			return
		case sel != nil:
			return
		}
		for _, l := range labels {
			l.text.WriteString(s)
		}
		if n := len(rows); n > 0 && rows[n-1].open {
			rows[n-1].text.WriteString(s)
		}
		if cur != nil {
			before.WriteString(s)
		}
	}
	// Tags separate words visually often enough ("Square<br>ライセンスキー")
	// that label text gets a space at every tag; matching ignores spaces.
	sep := func() { addText(" ") }

	addControl := func(c *control) {
		c.nest = cur
		controls = append(controls, c)
		if fieldsetDisabled() {
			c.disabled = true
		}
		for _, l := range labels {
			l.ctrls = append(l.ctrls, c)
		}
		if n := len(rows); n > 0 && rows[n-1].open {
			r := rows[n-1]
			c.inRow = true
			c.rowText = r.text.String()
			c.firstInRow = !r.sawControl
			if textLike(c) {
				r.sawControl = true
			}
		}
		if cur != nil {
			c.before = before.String()
			if c.visible() {
				before.Reset()
			}
		}
	}

	for _, t := range tokenize(src) {
		switch t.kind {
		case tokText:
			addText(t.text)
		case tokStart:
			if t.name != "option" && t.name != "optgroup" && sel == nil {
				sep()
			}
			var opened *form // a form this tag opens
			switch t.name {
			case "title":
				inTitle = true
			case "base":
				if h, ok := t.attr("href"); ok && d.base == "" {
					d.base = strings.TrimSpace(h)
				}
			case "meta":
				if cs, ok := t.attr("charset"); ok && d.meta == "" {
					d.meta = strings.TrimSpace(cs)
				} else if he, _ := t.attr("http-equiv"); strings.EqualFold(he, "content-type") && d.meta == "" {
					ct, _ := t.attr("content")
					d.meta = charsetOf(ct)
				}
			case "form":
				if cur != nil {
					break // nested forms are ignored by browsers
				}
				cur = &form{}
				cur.action, cur.hasAction = t.attr("action")
				cur.method, _ = t.attr("method")
				cur.enctype, _ = t.attr("enctype")
				cur.acceptCharset, _ = t.attr("accept-charset")
				opened = cur
				d.forms = append(d.forms, cur)
				before.Reset()
			case "fieldset":
				fieldsets = append(fieldsets, t.has("disabled"))
			case "label":
				l := &label{}
				l.forID, _ = t.attr("for")
				labels = append(labels, l)
				d.labels = append(d.labels, l)
			case "table":
				rows = append(rows, &tableRow{})
			case "tr":
				if n := len(rows); n > 0 {
					rows[n-1] = &tableRow{open: true}
				} else {
					rows = append(rows, &tableRow{open: true})
				}
			case "input":
				c := newControl(&t, "input")
				typ, _ := t.attr("type")
				c.typ = strings.ToLower(strings.TrimSpace(typ))
				c.value, c.hasValue = t.attr("value")
				c.checked = t.has("checked")
				if textLike(c) {
					// Value sanitisation of text fields drops line breaks.
					c.value = strings.NewReplacer("\n", "", "\r", "").Replace(c.value)
				}
				addControl(c)
			case "button":
				closeOption()
				c := newControl(&t, "button")
				typ, _ := t.attr("type")
				c.typ = strings.ToLower(strings.TrimSpace(typ))
				if c.typ != "button" && c.typ != "reset" {
					c.typ = "submit"
				}
				c.value, c.hasValue = t.attr("value")
				addControl(c)
				button = c
			case "select":
				c := newControl(&t, "select")
				c.multiple = t.has("multiple")
				addControl(c)
				sel = c
			case "optgroup":
				closeOption()
				optgroup = t.has("disabled")
			case "option":
				closeOption()
				if sel != nil {
					opt = &option{selected: t.has("selected"), disabled: t.has("disabled") || optgroup}
					opt.value, opt.hasValue = t.attr("value")
					sel.options = append(sel.options, opt)
				}
			case "textarea":
				c := newControl(&t, "textarea")
				addControl(c)
				textarea = c
			}
			if id, ok := t.attr("id"); ok {
				if _, seen := firstByID[id]; !seen {
					firstByID[id] = opened
				}
			}
		case tokEnd:
			switch t.name {
			case "title":
				inTitle = false
			case "form":
				cur = nil
				before.Reset()
			case "fieldset":
				if n := len(fieldsets); n > 0 {
					fieldsets = fieldsets[:n-1]
				}
			case "label":
				if n := len(labels); n > 0 {
					labels = labels[:n-1]
				}
			case "table":
				if n := len(rows); n > 0 {
					rows = rows[:n-1]
				}
			case "tr":
				if n := len(rows); n > 0 {
					rows[n-1].open = false
				}
			case "button":
				button = nil
			case "select":
				closeOption()
				sel, optgroup = nil, false
			case "option":
				closeOption()
			case "optgroup":
				closeOption()
				optgroup = false
			case "textarea":
				textarea = nil
			}
			if t.name != "option" && t.name != "optgroup" && sel == nil {
				sep()
			}
		}
	}
	closeOption()
	// A control's form owner is the form it sits in, unless it has a form=
	// attribute: then it is the form whose id that names, wherever it is,
	// and none if the first element with that id is not a form. A browser
	// submits exactly these controls, so the post must too.
	for _, c := range controls {
		c.form = c.nest
		if c.hasForm {
			c.form = firstByID[c.formAttr]
		}
		if c.form != nil {
			c.form.controls = append(c.form.controls, c)
		}
	}
	// A label without for= labels its first labelable control.
	for _, l := range d.labels {
		if l.forID != "" {
			continue
		}
		for _, c := range l.ctrls {
			if c.visible() {
				if c.wrapLabel == "" {
					c.wrapLabel = l.text.String()
				}
				break
			}
		}
	}
	d.text = all.String()
	return d
}

func newControl(t *token, tag string) *control {
	c := &control{tag: tag}
	c.name, _ = t.attr("name")
	c.id, _ = t.attr("id")
	c.formAttr, c.hasForm = t.attr("form")
	c.disabled = t.has("disabled")
	c.readOnly = t.has("readonly")
	c.dirname, _ = t.attr("dirname")
	c.formAction, c.hasFormAction = t.attr("formaction")
	c.formMethod, _ = t.attr("formmethod")
	c.formEnctype, _ = t.attr("formenctype")
	c.ariaLabel, _ = t.attr("aria-label")
	return c
}

// visible reports whether the control is something the operator sees, so
// that it ends the "nearest preceding text" of the next one.
func (c *control) visible() bool { return !(c.tag == "input" && c.typ == "hidden") }

// textLike reports whether c is a one-line or multi-line text field, the only
// kind a license key can be typed into.
func textLike(c *control) bool {
	switch c.tag {
	case "textarea":
		return true
	case "input":
		switch c.typ {
		case "hidden", "checkbox", "radio", "submit", "image", "reset", "button", "file",
			"number", "range", "color", "date", "datetime-local", "month", "week", "time":
			return false
		}
		return true // text, password, search, url, email, tel, "" and unknown types
	}
	return false
}

// isSubmit reports whether c can submit its form.
func isSubmit(c *control) bool {
	switch c.tag {
	case "button":
		return c.typ == "submit"
	case "input":
		return c.typ == "submit" || c.typ == "image"
	}
	return false
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

// charsetOf extracts charset= from a Content-Type value.
func charsetOf(ct string) string {
	for _, p := range strings.Split(ct, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "charset") {
			return strings.Trim(strings.TrimSpace(v), `"'`)
		}
	}
	return ""
}

// collapse trims and collapses runs of white space, as option labels are.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }
