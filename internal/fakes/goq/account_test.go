//go:build demo

package goq_test

import (
	"maps"
	"net/url"
	"strconv"
	"strings"
	"testing"

	fakegoq "keyrelay/internal/fakes/goq"
)

// TestTwoAccounts: one fake, two GoQ accounts with their own logins,
// sessions and settings: a save in one session changes only that account,
// each page shows the account logged in, and the other account's counters
// do not move.
func TestTwoAccounts(t *testing.T) {
	f := fakegoq.New(fakegoq.Options{LoginID: "goq-a", Password: "pw-a-123",
		MoreAccounts: []fakegoq.AccountOptions{{LoginID: "goq-b", Password: "pw-b-456", Settings: map[string]string{fakegoq.FieldMemo: "B's memo"}}}})
	a, b := newBrowser(t, f.Handler()), newBrowser(t, f.Handler())
	if _, path, _ := a.login("goq-a", "pw-b-456"); path != fakegoq.LoginPath {
		t.Fatal("a's login ID with b's password was accepted")
	}
	a.login("goq-a", "pw-a-123")
	b.login("goq-b", "pw-b-456")
	_, _, pageA := a.get(fakegoq.SettingsPath)
	_, _, pageB := b.get(fakegoq.SettingsPath)
	if !strings.Contains(pageA, "ログインID：goq-a") || !strings.Contains(pageB, "ログインID：goq-b") || strings.Contains(pageA, "goq-b") {
		t.Fatal("the pages do not show their own account")
	}
	if !strings.Contains(pageB, "B&#39;s memo") && !strings.Contains(pageB, "B's memo") {
		t.Fatal("b's page does not show b's settings")
	}
	beforeA, beforeB := f.Account("goq-a").Settings(), f.Account("goq-b").Settings()
	v := url.Values{}
	for k, val := range beforeB {
		if val != "" || (k != fakegoq.FieldMailNotify && k != fakegoq.FieldPointSync) {
			v.Set(k, val)
		}
	}
	v.Set(fakegoq.FieldCSRF, csrf(t, pageB))
	v.Set(fakegoq.FieldSettingID, "1024")
	v.Set(fakegoq.FieldLockVersion, strconv.Itoa(3))
	v.Set(fakegoq.FieldMallCode, "rakuten")
	v.Set(fakegoq.FieldSubmitNext, fakegoq.SaveButtonLabel)
	v.Set(fakegoq.FieldLicenseKey, "SL654321_BbBbBbBbBbBbBbBb")
	if code, path, _ := b.post(fakegoq.SettingsPath, v); code != 200 || path != fakegoq.NextPath {
		t.Fatalf("b's save: %d %s", code, path)
	}
	if got := f.Account("goq-b").StoredKey(); got != "SL654321_BbBbBbBbBbBbBbBb" || f.Account("goq-b").PostCount() != 1 {
		t.Fatalf("b holds %q", got)
	}
	if !maps.Equal(f.Account("goq-a").Settings(), beforeA) || f.PostCount() != 0 || f.Account("goq-a").PostCount() != 0 {
		t.Fatal("b's save touched a")
	}
	// b's CSRF token does not work in a's session.
	if code, _, _ := a.post(fakegoq.SettingsPath, v); code != 403 {
		t.Fatalf("b's form posted in a's session: %d", code)
	}
}

// TestAccountStyles: each style shows the account its own way; hidden
// shows none; the corpus pages show it too.
func TestAccountStyles(t *testing.T) {
	for style, want := range map[fakegoq.AccountStyle]string{
		fakegoq.AccountColon:    "ログインID：goq-demo",
		fakegoq.AccountLoggedIn: "ログイン中：<strong>goq-demo</strong> さん",
		fakegoq.AccountTable:    "<TH ALIGN=LEFT>ユーザーID</TH><TD>goq-demo</TD>",
	} {
		f := fakegoq.New(fakegoq.Options{AccountStyle: style})
		b := newBrowser(t, f.Handler())
		b.login(fakegoq.DefaultLoginID, fakegoq.DefaultPassword)
		for _, p := range []string{fakegoq.BasePath, fakegoq.SettingsPath} {
			if _, _, page := b.get(p); !strings.Contains(page, want) {
				t.Errorf("style %d, %s: no %q", style, p, want)
			}
		}
	}
	f := fakegoq.New(fakegoq.Options{AccountStyle: fakegoq.AccountHidden})
	b := newBrowser(t, f.Handler())
	b.login(fakegoq.DefaultLoginID, fakegoq.DefaultPassword)
	if _, _, page := b.get(fakegoq.SettingsPath); strings.Contains(page, "goq-demo") {
		t.Error("the hidden style shows the account")
	}
	for _, p := range fakegoq.CorpusPages()[:3] {
		f := fakegoq.New(fakegoq.Options{CorpusPage: p.Name})
		b := newBrowser(t, f.Handler())
		b.login(fakegoq.DefaultLoginID, fakegoq.DefaultPassword)
		if _, _, page := b.get(fakegoq.SettingsPath); !strings.Contains(page, "goq-demo") {
			t.Errorf("corpus page %s shows no account", p.Name)
		}
	}
}
