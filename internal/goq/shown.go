package goq

import (
	"strings"

	"keyrelay/internal/keyrelay"
)

// shown reports whether the key field shows the stored value as it is,
// which read-before-write and the verification after a save rest on. A
// password field is not (browsers' convention is never to echo one); an
// empty value may be a field GoQ never fills; a masked value hides which
// key is stored.
func shown(c *control) bool {
	return !(c.tag == "input" && c.typ == "password") && c.value != "" && !masked(c.value)
}

// masked reports whether v is a mask or placeholder rather than a value:
// what keyrelay.KeyProblem calls masked (its runs of X, "**", 末尾, redacted,
// "..."), a single "*", or characters no license key has (●, •, ○, ◆, ■, …,
// 伏せ字, 「設定済み」, spaces). A real key that holds XXXX by chance still
// counts as shown: read-before-write and the verification rest on it.
func masked(v string) bool {
	if strings.Contains(v, "*") || keyrelay.KeyProblem(v) == keyrelay.KeyMasked {
		return true
	}
	for _, r := range v {
		if r < 0x21 || r > 0x7e {
			return true
		}
	}
	return false
}
