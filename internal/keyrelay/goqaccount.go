package keyrelay

import (
	"strings"
	"unicode/utf8"
)

// The GoQ account of a browser-mode shop (docs/GOQ-BROWSER.md, "Which GoQ
// account"). In browser mode the key goes into whichever GoQ account the
// operator's tab is logged in to, so each browser-mode shop has an expected
// account (a GoQ login ID, not a secret): the extension fills nothing unless
// the GoQ page shows that account, and the helper records a delivery as
// verified only when the account the page showed is that account. The rules
// below are the extension's too (extension/lib/goqrules.js), pinned by
// testdata/goq_account.json.

// MaxGoQAccount bounds a GoQ login ID.
const MaxGoQAccount = 100

// CheckGoQAccount validates a GoQ login ID an operator typed or a GoQ page
// showed: 1 to 100 visible ASCII characters, no space.
func CheckGoQAccount(id string) error {
	if id == "" {
		return Errorf(EINVALID, "GoQアカウント（ログインID）を入力してください。", "Enter the GoQ account (login ID).")
	}
	if len(id) > MaxGoQAccount || !utf8.ValidString(id) {
		return Errorf(EINVALID, "GoQアカウント（ログインID）が長すぎます（%d文字まで）。", "The GoQ account (login ID) is too long (at most %d characters).", MaxGoQAccount)
	}
	for _, r := range id {
		if r < 0x21 || r > 0x7e {
			return Errorf(EINVALID, "GoQアカウント（ログインID）「%s」に使えない文字があります（半角英数字と記号のみ、空白なし）。",
				"The GoQ account (login ID) %q has a character a login ID cannot have (ASCII letters, digits and symbols only, no space).", Printable(id))
		}
	}
	return nil
}

// NormGoQAccount is the form in which accounts are compared and stored:
// surrounding white space trimmed and full-width ASCII folded to ASCII (a
// page may print ＡＢＣ for ABC). Letter case is kept: two IDs that differ
// only in case are treated as two accounts, since a wrong green is worse
// than a red.
func NormGoQAccount(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		if r >= 0xff01 && r <= 0xff5e {
			r -= 0xfee0
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// SameGoQAccount reports whether shown (what a GoQ page shows) is the
// account want. Either empty, or either not a valid login ID, is never the
// same.
func SameGoQAccount(want, shown string) bool {
	w, s := NormGoQAccount(want), NormGoQAccount(shown)
	return CheckGoQAccount(w) == nil && CheckGoQAccount(s) == nil && w == s
}
