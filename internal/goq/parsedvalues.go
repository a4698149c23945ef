package goq

// ParsedValues reports what the parser makes of a page: the value
// attribute of every <input>, the raw value of every <textarea> and the
// value of every <select>'s first option, in tree order. It exists for the comparison with a browser's DOM in the e2e tests
// (character references in attributes and text).
func ParsedValues(page string) []string {
	d := parseDocument(page)
	var out []string
	for _, c := range d.controls {
		switch c.tag {
		case "input":
			v, _ := attr(c.node, "value")
			out = append(out, v)
		case "textarea":
			out = append(out, c.value)
		case "select":
			if len(c.options) > 0 {
				out = append(out, c.options[0].value)
			}
		}
	}
	return out
}
