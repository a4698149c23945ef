//go:build demo

package goq_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	fakegoq "keyrelay/internal/fakes/goq"
)

var csrfRE = regexp.MustCompile(`(?i)name="?_csrf_token"? value="?([0-9a-f]+)`)

var keyFieldRE = regexp.MustCompile(`<input[^>]*name="setting\[rms_service_square_license_key\]"[^>]*>`)

type browser struct {
	t    *testing.T
	c    *http.Client
	base string
}

func newBrowser(t *testing.T, h http.Handler) *browser {
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar}, base: ts.URL}
}

func (b *browser) get(path string) (int, string, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Request.URL.Path, string(body)
}

func (b *browser) post(path string, form url.Values) (int, string, string) {
	b.t.Helper()
	resp, err := b.c.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Request.URL.Path, string(body)
}

func csrf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in page")
	}
	return m[1]
}

func (b *browser) login(id, pass string) (int, string, string) {
	_, _, page := b.get(fakegoq.LoginPath)
	return b.post(fakegoq.LoginPath, url.Values{"_csrf_token": {csrf(b.t, page)}, "login_id": {id}, "password": {pass}})
}

func TestLogin(t *testing.T) {
	f := fakegoq.New(fakegoq.Options{LoginID: "shop1", Password: "pw-123456"})
	b := newBrowser(t, f.Handler())
	if _, path, _ := b.get(fakegoq.SettingsPath); path != fakegoq.LoginPath {
		t.Errorf("settings without a session landed on %q, want the login page", path)
	}
	_, path, page := b.login("shop1", "wrong")
	if path != fakegoq.LoginPath || !strings.Contains(page, "正しくありません") {
		t.Errorf("wrong password landed on %q without the error text", path)
	}
	if got := f.LoginCount(); got != 0 {
		t.Errorf("LoginCount = %d after a refused login", got)
	}
	if _, path, _ := b.login("shop1", "pw-123456"); path != fakegoq.BasePath {
		t.Errorf("login landed on %q, want %q", path, fakegoq.BasePath)
	}
	if _, path, page := b.get(fakegoq.SettingsPath); path != fakegoq.SettingsPath || !strings.Contains(page, "ライセンスキー") {
		t.Errorf("settings after login landed on %q", path)
	}
	if got := f.LoginCount(); got != 1 {
		t.Errorf("LoginCount = %d, want 1", got)
	}
}

// validForm is what a browser sends for the Table markup.
func validForm(t *testing.T, f *fakegoq.Server, page string) url.Values {
	v := url.Values{}
	for k, val := range f.Settings() {
		if val != "" || (k != fakegoq.FieldMailNotify && k != fakegoq.FieldPointSync) {
			v.Set(k, val)
		}
	}
	v.Set(fakegoq.FieldCSRF, csrf(t, page))
	v.Set(fakegoq.FieldSettingID, "1024")
	v.Set(fakegoq.FieldLockVersion, strconv.Itoa(f.Version()))
	v.Set(fakegoq.FieldMallCode, "rakuten")
	v.Set(fakegoq.FieldSubmitNext, fakegoq.SaveButtonLabel)
	return v
}

func TestSaveValidation(t *testing.T) {
	f := fakegoq.New(fakegoq.Options{})
	b := newBrowser(t, f.Handler())
	b.login(fakegoq.DefaultLoginID, fakegoq.DefaultPassword)
	_, _, page := b.get(fakegoq.SettingsPath)
	before := f.Settings()

	reject := map[string]func(url.Values){
		"unknown field":  func(v url.Values) { v.Set("setting[extra]", "1") },
		"disabled field": func(v url.Values) { v.Set(fakegoq.FieldLegacyFTP, "ftp-old-user") },
		"both buttons":   func(v url.Values) { v.Set(fakegoq.FieldSubmitBack, "戻る") },
		"not an option":  func(v url.Values) { v.Set(fakegoq.FieldAutoGet, "45") },
		"duplicate":      func(v url.Values) { v.Add(fakegoq.FieldShopURL, "x") },
	}
	for _, field := range []string{fakegoq.FieldCSRF, fakegoq.FieldSettingID, fakegoq.FieldLockVersion, fakegoq.FieldMallCode,
		fakegoq.FieldSubmitNext, fakegoq.FieldShopURL, fakegoq.FieldUserID, fakegoq.FieldLicenseKey, fakegoq.FieldPayGetStatus,
		fakegoq.FieldPayStoreStatus, fakegoq.FieldGetDays, fakegoq.FieldAutoGet, fakegoq.FieldGetDelay, fakegoq.FieldMemo} {
		reject["missing "+field] = func(v url.Values) { v.Del(field) }
	}
	for name, spoil := range reject {
		t.Run(name, func(t *testing.T) {
			v := validForm(t, f, page)
			spoil(v)
			code, _, _ := b.post(fakegoq.SettingsPath, v)
			if code != http.StatusBadRequest && code != http.StatusForbidden {
				t.Errorf("status %d, want 400 (or 403 without a token)", code)
			}
		})
	}
	if got := f.PostCount(); got != 0 {
		t.Fatalf("PostCount = %d after rejected posts", got)
	}

	v := validForm(t, f, page)
	v.Set(fakegoq.FieldLicenseKey, "SL100001_NEWkeyQwErTy1234")
	code, path, _ := b.post(fakegoq.SettingsPath, v)
	if code != http.StatusOK || path != fakegoq.NextPath {
		t.Fatalf("valid save: %d at %q, want 200 at %q", code, path, fakegoq.NextPath)
	}
	if got, want := f.LastChanged(), []string{fakegoq.FieldLicenseKey}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("LastChanged = %q, want %q", got, want)
	}
	after := f.Settings()
	for k := range before {
		if k != fakegoq.FieldLicenseKey && after[k] != before[k] {
			t.Errorf("%s changed from %q to %q", k, before[k], after[k])
		}
	}

	// The same form again carries an old lock version.
	if code, _, _ := b.post(fakegoq.SettingsPath, v); code != http.StatusConflict {
		t.Errorf("stale lock version: status %d, want 409", code)
	}
	if got := f.PostCount(); got != 1 {
		t.Errorf("PostCount = %d, want 1", got)
	}
}

func TestFaultPages(t *testing.T) {
	f := fakegoq.New(fakegoq.Options{})
	b := newBrowser(t, f.Handler())
	f.SetMaintenance(true)
	if code, _, page := b.get(fakegoq.LoginPath); code != http.StatusServiceUnavailable || !strings.Contains(page, "メンテナンス中") {
		t.Errorf("maintenance: %d", code)
	}
	f.SetMaintenance(false)
	f.FailNext(2)
	for i := range 2 {
		if code, _, _ := b.get(fakegoq.LoginPath); code != http.StatusInternalServerError {
			t.Errorf("request %d: status %d, want 500", i, code)
		}
	}
	if code, _, _ := b.get(fakegoq.LoginPath); code != http.StatusOK {
		t.Errorf("after the failures: status %d, want 200", code)
	}
	if err := f.SetSettings(map[string]string{"setting[nope]": "x"}); err == nil {
		t.Error("SetSettings accepted an unknown field")
	}
}

func TestEveryMarkupRenders(t *testing.T) {
	for _, m := range fakegoq.Markups {
		t.Run(m.String(), func(t *testing.T) {
			f := fakegoq.New(fakegoq.Options{Markup: m})
			b := newBrowser(t, f.Handler())
			b.login(fakegoq.DefaultLoginID, fakegoq.DefaultPassword)
			code, _, page := b.get(fakegoq.SettingsPath)
			if code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			for _, want := range []string{"ライセンスキー", "楽天ペイ取得ステータス", "楽天ペイ格納先ステータス", "受注を取得する日数",
				"自動取得", "取得時間", "ショップURL", "ユーザーID", "※現在は入力不要です", fakegoq.OldKey} {
				if !strings.Contains(page, want) {
					t.Errorf("page lacks %q", want)
				}
			}
		})
	}
}

func TestKeyDisplay(t *testing.T) {
	for _, m := range fakegoq.Markups {
		for _, tc := range []struct {
			name    string
			display fakegoq.KeyDisplay
			want    []string
		}{
			{"shown", fakegoq.KeyShown, []string{`value="` + fakegoq.OldKey + `"`}},
			{"masked", fakegoq.KeyMasked, []string{`value="` + fakegoq.MaskedKeyValue + `"`}},
			{"password", fakegoq.KeyPassword, []string{`type="password"`, `value=""`}},
		} {
			t.Run(m.String()+"/"+tc.name, func(t *testing.T) {
				f := fakegoq.New(fakegoq.Options{Markup: m, KeyDisplay: tc.display})
				b := newBrowser(t, f.Handler())
				b.login(fakegoq.DefaultLoginID, fakegoq.DefaultPassword)
				_, _, page := b.get(fakegoq.SettingsPath)
				field := keyFieldRE.FindString(page)
				for _, want := range tc.want {
					if !strings.Contains(field, want) {
						t.Errorf("key field %q lacks %q", field, want)
					}
				}
				if tc.display != fakegoq.KeyShown && strings.Contains(page, fakegoq.OldKey) {
					t.Errorf("page shows the stored key")
				}
				// A save still stores what is posted, and the switch works
				// on a running fake.
				f.SetKeyDisplay(fakegoq.KeyShown)
				if _, _, page := b.get(fakegoq.SettingsPath); !strings.Contains(page, fakegoq.OldKey) {
					t.Errorf("after SetKeyDisplay(KeyShown) the page lacks the key")
				}
			})
		}
	}
}
