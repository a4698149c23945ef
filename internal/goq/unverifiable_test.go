//go:build demo

package goq_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/goq"
	"keyrelay/internal/keyrelay"
)

var hiddenDisplays = map[string]fakegoq.KeyDisplay{"masked": fakegoq.KeyMasked, "password": fakegoq.KeyPassword}

func wantUnverifiable(t testing.TB, err error) {
	t.Helper()
	if !errors.Is(err, goq.ErrUnverifiable) {
		t.Fatalf("error %v, want goq.ErrUnverifiable", err)
	}
	wantCode(t, err, keyrelay.ECONFLICT)
	ja, en := keyrelay.ErrorMessage(err)
	if !strings.Contains(ja, "確認") || !strings.Contains(en, "check yourself") || !strings.Contains(en, keyrelay.KeyLast4(newKey)) {
		t.Errorf("messages %q / %q do not ask the operator to check the key ending %s", ja, en, keyrelay.KeyLast4(newKey))
	}
}

// TestDeliverHiddenKey: when GoQ does not show the stored key, Deliver posts
// once and stops with ErrUnverifiable instead of a retryable mismatch.
func TestDeliverHiddenKey(t *testing.T) {
	for _, m := range fakegoq.Markups {
		for name, display := range hiddenDisplays {
			t.Run(m.String()+"/"+name, func(t *testing.T) {
				e := start(t, m)
				e.fake.SetSettings(tricky)
				e.fake.SetKeyDisplay(display)
				before := e.fake.Settings()
				res, err := e.deliver(t)
				wantUnverifiable(t, err)
				if res.Status != "" {
					t.Errorf("status %q, want none", res.Status)
				}
				wantCounts(t, e.fake, 1, 1)
				checkOnlyKey(t, before, e.fake.Settings(), newKey)
			})
		}
	}
}

// TestDeliverHiddenKeyFaults: with the key hidden, a save whose outcome the
// client cannot see ends with ErrUnverifiable and is never posted again.
func TestDeliverHiddenKeyFaults(t *testing.T) {
	// lostAnswer lets the fake store the save but answers 502.
	lostAnswer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Path == fakegoq.SettingsPath {
				next.ServeHTTP(httptest.NewRecorder(), r)
				w.WriteHeader(http.StatusBadGateway)
				w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	cases := []struct {
		name      string
		wrap      func(http.Handler) http.Handler
		arm       func(*fakegoq.Server)
		posts     int
		logins    int
		keyStored bool
	}{
		{name: "key already current", arm: func(f *fakegoq.Server) { f.SetSettings(map[string]string{fakegoq.FieldLicenseKey: newKey}) },
			posts: 1, logins: 1, keyStored: true},
		{name: "save silently ignored", arm: func(f *fakegoq.Server) { f.SetIgnoreSaves(true) }, posts: 1, logins: 1},
		{name: "answer lost after the save", wrap: lostAnswer, posts: 1, logins: 1, keyStored: true},
		{name: "session expires after the save", arm: func(f *fakegoq.Server) { f.ExpireSession(fakegoq.ExpireAfterSave) },
			posts: 1, logins: 2, keyStored: true},
		{name: "session expires at the save", arm: func(f *fakegoq.Server) { f.ExpireSession(fakegoq.ExpireAtSave) },
			posts: 0, logins: 2},
		{name: "csrf token goes stale before the save", arm: func(f *fakegoq.Server) { f.StaleTokenOnNextSave() },
			posts: 1, logins: 1, keyStored: true},
	}
	for name, display := range hiddenDisplays {
		for _, tc := range cases {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				e := startWrapped(t, fakegoq.MarkupTable, tc.wrap)
				e.fake.SetKeyDisplay(display)
				if tc.arm != nil {
					tc.arm(e.fake)
				}
				before := e.fake.Settings()
				_, err := e.deliver(t)
				wantUnverifiable(t, err)
				wantCounts(t, e.fake, tc.posts, tc.logins)
				wantKey := before[fakegoq.FieldLicenseKey]
				if tc.keyStored {
					wantKey = newKey
				}
				checkOnlyKey(t, before, e.fake.Settings(), wantKey)
			})
		}
	}
}

// TestDeliverLostAnswerShownKey is the control for the case above: when GoQ
// shows the key, a lost answer is settled by looking.
func TestDeliverLostAnswerShownKey(t *testing.T) {
	e := startWrapped(t, fakegoq.MarkupTable, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Path == fakegoq.SettingsPath {
				next.ServeHTTP(httptest.NewRecorder(), r)
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	res, err := e.deliver(t)
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if got, want := res.Status, keyrelay.DeliveryDelivered; got != want {
		t.Errorf("status %q, want %q", got, want)
	}
	wantCounts(t, e.fake, 1, 1)
}

// TestShownKeyMismatchIsRetryable: a visible key that is not the new one is
// still the retryable ECONFLICT, not ErrUnverifiable.
func TestShownKeyMismatchIsRetryable(t *testing.T) {
	e := start(t, fakegoq.MarkupLabels)
	e.fake.SetIgnoreSaves(true)
	_, err := e.deliver(t)
	wantCode(t, err, keyrelay.ECONFLICT)
	if errors.Is(err, goq.ErrUnverifiable) {
		t.Errorf("error %v is ErrUnverifiable, want a plain mismatch", err)
	}
}
