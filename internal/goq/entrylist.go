package goq

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// entry is one item of a form's entry list.
type entry struct {
	name, value string
	file        bool // an empty file input: a File with no name and no bytes
}

// formEntries is the HTML Standard's "constructing the entry list"
// (https://html.spec.whatwg.org/multipage/form-control-infrastructure.html#constructing-the-form-data-set)
// for a form without scripts: no files are selected, nothing was typed, and
// the values in set replace those of their controls (the key and, for the
// login form, the credentials). charset is the name of the encoding the
// submission will use, for _charset_.
func formEntries(f *form, set map[*control]string, submitter *control, charset string) []entry {
	var out []entry
	add := func(name, value string) { out = append(out, entry{name: name, value: value}) }
	// Step 3: the submittable elements whose form owner is form, in tree
	// order (fieldset, object and output are listed but not submittable).
	for _, c := range f.controls {
		if c.tag != "input" && c.tag != "button" && c.tag != "select" && c.tag != "textarea" {
			continue
		}
		// Step 5.1: skip a field in a datalist, a disabled one, a button that
		// is not the submitter, and an unchecked checkbox or radio button.
		if inDatalist(c) || controlDisabled(c) || isButton(c) && c != submitter ||
			c.tag == "input" && (c.typ == "checkbox" || c.typ == "radio") && !c.checked {
			continue
		}
		// Step 5.2: an image button submitter sends the click coordinates as
		// name.x and name.y (x and y without a name). Nobody clicks here; the
		// coordinates are the image's top-left corner.
		if c.tag == "input" && c.typ == "image" {
			prefix := ""
			if c.name != "" {
				prefix = c.name + "."
			}
			add(prefix+"x", "0")
			add(prefix+"y", "0")
			continue
		}
		// Step 5.4: a field without a name, or with an empty one, sends nothing.
		if c.name == "" {
			continue
		}
		value, overridden := set[c]
		switch {
		case c.tag == "select":
			// Step 5.6: every option whose selectedness is true and that is
			// not disabled.
			for _, o := range selectedOptions(c) {
				if !o.disabled {
					add(c.name, o.value)
				}
			}
			continue
		case c.tag == "input" && (c.typ == "checkbox" || c.typ == "radio"):
			// Step 5.7: the value attribute, or "on".
			value = "on"
			if c.hasValue {
				value, _ = attr(c.node, "value")
			}
		case c.tag == "input" && c.typ == "file":
			// Step 5.8: no selected files: one File with an empty name.
			out = append(out, entry{name: c.name, file: true})
			continue
		case c.tag == "input" && c.typ == "hidden" && strings.EqualFold(c.name, "_charset_"):
			// Step 5.9: _charset_ sends the name of the submission's encoding.
			value = charset
		case overridden:
		case c.tag == "textarea":
			// Step 5.10 with the textarea's value: its raw value after the
			// wrapping transformation (newlines to LF; hard wrapping is
			// refused before a submission is built, see hardWrapped).
			value = normalizeLF(c.value)
		default:
			// Step 5.10: the value of the field.
			value = c.value
		}
		add(c.name, value)
		// Step 5.11: dirname sends the element's directionality.
		if dn, _ := attr(c.node, "dirname"); dn != "" && autoDirectionality(c) {
			add(dn, directionality(c.node, value))
		}
	}
	return out
}

// inDatalist reports whether c has a datalist ancestor.
func inDatalist(c *control) bool {
	for n := c.node.Parent; n != nil; n = n.Parent {
		if n.Type == html.ElementNode && n.DataAtom == atom.Datalist {
			return true
		}
	}
	return false
}

// controlDisabled is the HTML Standard's "actually disabled" for a form
// control: its own disabled attribute, or a disabled fieldset ancestor
// unless the control sits in that fieldset's first legend child.
func controlDisabled(c *control) bool {
	if c.disabled {
		return true
	}
	child := c.node
	for n := c.node.Parent; n != nil; child, n = n, n.Parent {
		if n.Type != html.ElementNode || n.DataAtom != atom.Fieldset || !has(n, "disabled") {
			continue
		}
		if child.DataAtom == atom.Legend && child == firstLegend(n) {
			continue
		}
		return true
	}
	return false
}

func firstLegend(fieldset *html.Node) *html.Node {
	for c := fieldset.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Legend {
			return c
		}
	}
	return nil
}

// autoDirectionality: the elements whose dirname is submitted.
func autoDirectionality(c *control) bool {
	if c.tag == "textarea" {
		return true
	}
	if c.tag == "input" {
		switch c.typ {
		case "hidden", "text", "search", "tel", "url", "email", "password", "submit", "reset", "button":
			return true
		}
	}
	return false
}

// directionality resolves dir= on n and its ancestors; dir=auto (and a
// textarea or text field without dir, whose default is auto for dirname's
// purposes in browsers) looks at the first strong character of the value.
func directionality(n *html.Node, value string) string {
	for e := n; e != nil; e = e.Parent {
		if e.Type != html.ElementNode {
			continue
		}
		switch d, _ := attr(e, "dir"); strings.ToLower(strings.TrimSpace(d)) {
		case "ltr":
			return "ltr"
		case "rtl":
			return "rtl"
		case "auto":
			if e == n {
				return firstStrongDir(value)
			}
			return firstStrongDir(textContent(e, false))
		}
	}
	return "ltr"
}

func firstStrongDir(s string) string {
	for _, r := range s {
		switch {
		case unicode.In(r, unicode.Hebrew, unicode.Arabic, unicode.Syriac, unicode.Thaana, unicode.Nko):
			return "rtl"
		case unicode.IsLetter(r):
			return "ltr"
		}
	}
	return "ltr"
}

// selectOptions is a select's list of options: option children, and option
// children of optgroup children, in tree order. An option is disabled by its
// own attribute or its optgroup's.
func selectOptions(sel *html.Node) []*option {
	var out []*option
	addOpt := func(n *html.Node, groupDisabled bool) {
		o := &option{node: n, selected: has(n, "selected"), disabled: groupDisabled || has(n, "disabled")}
		// An option's text: its descendant text (script excepted), with
		// ASCII white space stripped and collapsed; its value falls back
		// to that text.
		o.text = stripCollapse(textContent(n, false))
		if v, ok := attr(n, "value"); ok {
			o.value = v
		} else {
			o.value = o.text
		}
		out = append(out, o)
	}
	for c := sel.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		switch c.DataAtom {
		case atom.Option:
			addOpt(c, false)
		case atom.Optgroup:
			for g := c.FirstChild; g != nil; g = g.NextSibling {
				if g.Type == html.ElementNode && g.DataAtom == atom.Option {
					addOpt(g, has(c, "disabled"))
				}
			}
		}
	}
	return out
}

// selectedOptions applies the selectedness setting algorithm to a select
// nobody touched: in a select that is neither multiple nor displayed as a
// list box, of several options marked selected only the last stays, and
// with none marked the first option that is not disabled is selected.
func selectedOptions(c *control) []*option {
	var marked []*option
	for _, o := range c.options {
		if o.selected {
			marked = append(marked, o)
		}
	}
	if c.multiple {
		return marked
	}
	if len(marked) > 0 {
		return marked[len(marked)-1:]
	}
	if displaySize(c) != 1 {
		return nil
	}
	for _, o := range c.options {
		if !o.disabled {
			return []*option{o}
		}
	}
	return nil
}

// displaySize: size= when it is a valid non-negative integer above zero,
// else 4 for a multiple select and 1 otherwise.
func displaySize(c *control) int {
	if s, ok := attr(c.node, "size"); ok {
		if n, ok := parseNonNegative(s); ok && n > 0 {
			return n
		}
	}
	if c.multiple {
		return 4
	}
	return 1
}

// parseNonNegative is the HTML rules for parsing non-negative integers.
func parseNonNegative(s string) (int, bool) {
	s = strings.TrimLeftFunc(s, isASCIISpace)
	s = strings.TrimPrefix(s, "+")
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == 0 {
		return 0, false
	}
	n, err := strconv.Atoi(s[:end])
	return n, err == nil
}

// normalizeLF turns CR LF and lone CR into LF.
func normalizeLF(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// crlf turns every line break into CR LF, as the serializers do when they
// convert the entry list to name-value pairs.
func crlf(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.ReplaceAll(normalizeLF(s), "\n", "\r\n")
}

var (
	validFloat     = regexp.MustCompile(`^-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$`)
	validDate      = regexp.MustCompile(`^[0-9]{4,}-[0-9]{2}-[0-9]{2}$`)
	validMonth     = regexp.MustCompile(`^[0-9]{4,}-[0-9]{2}$`)
	validWeek      = regexp.MustCompile(`^[0-9]{4,}-W[0-9]{2}$`)
	validTime      = regexp.MustCompile(`^[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,3})?)?$`)
	validLocalDate = regexp.MustCompile(`^([0-9]{4,}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,3})?)?)$`)
)

// sanitizeValue is the value sanitization algorithm of each input type,
// applied to the value attribute (a page nobody typed into).
func sanitizeValue(typ, v string, n *html.Node) string {
	stripNL := func(s string) string { return strings.NewReplacer("\n", "", "\r", "").Replace(s) }
	trim := func(s string) string { return strings.TrimFunc(s, isASCIISpace) }
	switch typ {
	case "text", "search", "tel", "password":
		return stripNL(v)
	case "url":
		return trim(stripNL(v))
	case "email":
		if has(n, "multiple") {
			parts := strings.Split(stripNL(v), ",")
			for i := range parts {
				parts[i] = trim(parts[i])
			}
			return strings.Join(parts, ",")
		}
		return trim(stripNL(v))
	case "number":
		if !validFloat.MatchString(v) {
			return ""
		}
		if f, err := strconv.ParseFloat(v, 64); err != nil || math.IsInf(f, 0) {
			return ""
		}
		return v
	case "range":
		return sanitizeRange(v, n)
	case "color":
		c, _ := sanitizeColor(v)
		return c
	case "date":
		return keepIf(validDate, v)
	case "month":
		return keepIf(validMonth, v)
	case "week":
		return keepIf(validWeek, v)
	case "time":
		return keepIf(validTime, v)
	case "datetime-local":
		m := validLocalDate.FindStringSubmatch(v)
		if m == nil {
			return ""
		}
		t := strings.TrimSuffix(m[2], ":00")
		if strings.Count(m[2], ":") == 2 && strings.HasSuffix(m[2], ".000") {
			t = strings.TrimSuffix(strings.TrimSuffix(m[2], ".000"), ":00")
		}
		return m[1] + "T" + t
	}
	return v
}

func keepIf(re *regexp.Regexp, v string) string {
	if re.MatchString(v) {
		return v
	}
	return ""
}

// sanitizeRange: an invalid value becomes the default (halfway between min
// and max), then the value is clamped into [min, max] and onto the step.
func sanitizeRange(v string, n *html.Node) string {
	num := func(key string, def float64) float64 {
		if s, ok := attr(n, key); ok && validFloat.MatchString(s) {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				return f
			}
		}
		return def
	}
	lo, hi := num("min", 0), num("max", 100)
	if hi < lo {
		hi = lo
	}
	step := num("step", 1)
	if s, _ := attr(n, "step"); strings.EqualFold(s, "any") || step <= 0 {
		step = 0
	}
	val, err := strconv.ParseFloat(v, 64)
	valid := validFloat.MatchString(v) && err == nil
	if !valid {
		val = lo + (hi-lo)/2
	}
	out := math.Min(math.Max(val, lo), hi)
	if step > 0 {
		k := math.Round((out - lo) / step)
		out = lo + k*step
		if out > hi {
			out -= step
		}
	}
	if valid && out == val {
		return v
	}
	return strconv.FormatFloat(out, 'f', -1, 64)
}
