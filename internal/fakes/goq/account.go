//go:build demo

package goq

import (
	"bytes"
	"html/template"
	"regexp"
	"slices"
)

// How the fake shows the logged-in GoQ account. Real back offices print it
// in the page header in many ways; the extension's account rule
// (extension/lib/goqrules.js, docs/GOQ-BROWSER.md) must read them all, and
// must not take a settings field that happens to be called 「ユーザーID」 for
// it. The forms of MarkupTable and MarkupPlain have such a field.

// AccountStyle selects how pages show the logged-in account.
type AccountStyle int

const (
	// AccountByMarkup (the zero value): MarkupTable → AccountColon,
	// MarkupLabels → AccountLoggedIn, MarkupPlain → AccountTable; a corpus
	// page takes one of the three by its place in the corpus.
	AccountByMarkup AccountStyle = iota
	// AccountColon: <div class="login-info">ログインID：goq-demo</div>.
	AccountColon
	// AccountLoggedIn: ログイン中：<strong>goq-demo</strong> さん.
	AccountLoggedIn
	// AccountTable: an upper-case HTML4 table, <TH>ユーザーID</TH><TD>goq-demo</TD>.
	AccountTable
	// AccountHidden: the page does not show the account at all.
	AccountHidden
)

// shownAccount is what the header template needs.
type shownAccount struct {
	LoginID string
	Style   AccountStyle
}

const accountTmplText = `{{define "account"}}{{if .LoginID}}{{if eq .Style 1}}<div class="login-info">ログインID：{{.LoginID}}</div>
{{else if eq .Style 2}}<p class="navbar-text">ログイン中：<strong>{{.LoginID}}</strong> さん</p>
{{else if eq .Style 3}}<TABLE CLASS="userinfo" BORDER=0 CELLPADDING=2><TR><TH ALIGN=LEFT>ユーザーID</TH><TD>{{.LoginID}}</TD></TR></TABLE>
{{end}}{{end}}{{end}}`

var accountTmpl = template.Must(template.New("acct").Parse(accountTmplText + `{{template "account" .}}`))

// shown is the account sess shows, for a page of this fake.
func (s *Server) shown(sess *session) shownAccount {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shownLocked(sess)
}

func (s *Server) shownLocked(sess *session) shownAccount {
	if sess == nil || sess.acct == nil {
		return shownAccount{}
	}
	st := s.opts.AccountStyle
	if st == AccountByMarkup {
		switch {
		case s.corpus.Name != "":
			st = []AccountStyle{AccountColon, AccountLoggedIn, AccountTable}[slices.IndexFunc(corpusPages, func(p CorpusPage) bool { return p.Name == s.corpus.Name })%3]
		case s.opts.Markup == MarkupLabels:
			st = AccountLoggedIn
		case s.opts.Markup == MarkupPlain:
			st = AccountTable
		default:
			st = AccountColon
		}
	}
	return shownAccount{LoginID: sess.acct.loginID, Style: st}
}

var bodyTag = regexp.MustCompile(`(?i)<body[^>]*>`)

// withAccount puts the account into a corpus page, right after <body>, as
// a back office's header would.
func withAccount(page string, a shownAccount) string {
	var buf bytes.Buffer
	if err := accountTmpl.Execute(&buf, a); err != nil || buf.Len() == 0 {
		return page
	}
	loc := bodyTag.FindStringIndex(page)
	if loc == nil {
		return buf.String() + page
	}
	return page[:loc[1]] + "\n" + buf.String() + page[loc[1]:]
}

// Account is a handle on one account of the fake, for tests.
type Account struct {
	s *Server
	a *account
}

// Account returns the account of loginID; it panics for an unknown one (a
// test's mistake).
func (s *Server) Account(loginID string) Account {
	for _, a := range s.accounts {
		if a.loginID == loginID {
			return Account{s, a}
		}
	}
	panic("fakegoq: no account " + loginID)
}

// Settings returns a copy of the account's stored settings.
func (a Account) Settings() map[string]string {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	return copySettings(a.a.settings)
}

// StoredKey is the key the account holds.
func (a Account) StoredKey() string {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	return a.a.settings[FieldLicenseKey]
}

// PostCount is how many valid save POSTs the account received.
func (a Account) PostCount() int {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	return a.a.postCount
}

// LastChanged lists the fields the account's last stored save changed.
func (a Account) LastChanged() []string {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	return slices.Clone(a.a.lastChanged)
}
