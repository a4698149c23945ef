package goq

import "strings"

// maskMarks are what settings pages put in place of a stored secret. They
// include every marker keyrelay.ValidateKey refuses as masked, so no key can
// contain one.
var maskMarks = []string{"*", "●", "•", "○", "◆", "■", "…", "...", "xxxx", "末尾", "伏", "redacted"}

// shown reports whether the key field shows the stored value as it is,
// which read-before-write and the verification after a save rest on. A
// password field is not (browsers' convention is never to echo one); an
// empty value may be a field GoQ never fills; a masked value hides which
// key is stored.
func shown(c *control) bool {
	return !(c.tag == "input" && c.typ == "password") && c.value != "" && !masked(c.value)
}

// masked reports whether v is a mask or placeholder rather than a value: it
// has a mask mark, or characters no license key has (「設定済み」, spaces).
func masked(v string) bool {
	lower := strings.ToLower(v)
	for _, m := range maskMarks {
		if strings.Contains(lower, m) {
			return true
		}
	}
	for _, r := range v {
		if r < 0x21 || r > 0x7e {
			return true
		}
	}
	return false
}
