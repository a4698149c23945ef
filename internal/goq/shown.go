package goq

import (
	"strings"

	"keyrelay/internal/keyrelay"
)

// maskMarks are what settings pages put in place of a stored secret, beyond
// what keyrelay.KeyProblem calls masked (checked too, so no key can contain
// one). Runs of X are its rule: a real key may hold XXXX by chance, and the
// value GoQ shows for it must still count as shown.
var maskMarks = []string{"*", "●", "•", "○", "◆", "■", "…", "...", "末尾", "伏", "redacted"}

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
	if keyrelay.KeyProblem(v) == keyrelay.KeyMasked {
		return true
	}
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
