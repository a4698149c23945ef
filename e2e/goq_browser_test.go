//go:build demo

package e2e_test

import (
	"maps"
	"slices"
	"testing"
	"time"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/keyrelay"
)

// Browser mode (issue 14): the key goes into GoQ from the operator's own
// logged-in GoQ tab, filled by the extension; the helper holds no GoQ
// password and records the result as it records its own deliveries.

// TestGoQBrowserModeDelivers: for each fake GoQ markup, a capture of a shop
// in browser mode ends 送信済み・確認済み, GoQ holds the key, exactly one
// save was posted, nothing else changed, keyrelay never logged in, and the
// attempt names the browser as the GoQ login.
func TestGoQBrowserModeDelivers(t *testing.T) {
	e := newGoQEnv(t, true)
	for _, m := range fakegoq.Markups {
		t.Run(m.String(), func(t *testing.T) {
			fake := e.goq.use(fakegoq.New(fakegoq.Options{Markup: m}))
			e.loginGoQ(t, e.b.openTab(t, goqBase))
			before := fake.Settings()
			id, key := e.captureGoQKey(t)
			d := e.waitDelivery(t, id, keyrelay.DeliveryDelivered, 90*time.Second)
			after := fake.Settings()
			if after[fakegoq.FieldLicenseKey] != key {
				t.Fatalf("GoQ holds %q, want the captured key", keyrelay.MaskKey(keyrelay.KeyLast4(after[fakegoq.FieldLicenseKey])))
			}
			delete(after, fakegoq.FieldLicenseKey)
			delete(before, fakegoq.FieldLicenseKey)
			if !maps.Equal(before, after) {
				t.Errorf("other settings changed:\nbefore %v\nafter  %v", before, after)
			}
			if got := fake.LastChanged(); !slices.Equal(got, []string{fakegoq.FieldLicenseKey}) {
				t.Errorf("the save changed %v, want only the key", got)
			}
			if fake.PostCount() != 1 || fake.LoginCount() != 1 {
				t.Errorf("%d save POSTs and %d logins; want 1 save and only the operator's login", fake.PostCount(), fake.LoginCount())
			}
			_, as := e.delivery(t, id)
			if len(as) != 1 || as[0].Result != keyrelay.DeliveryDelivered || as[0].LoginID != keyrelay.BrowserLoginID {
				t.Fatalf("attempts %+v, want one delivered by %s", as, keyrelay.BrowserLoginID)
			}
			if d.LoginID != keyrelay.BrowserLoginID || d.LastError != "" {
				t.Errorf("delivery login %q, error %q", d.LoginID, d.LastError)
			}
		})
	}

	t.Run("already current", func(t *testing.T) {
		key := e.fake.Key("goq")
		fake := e.goq.use(fakegoq.New(fakegoq.Options{Settings: map[string]string{fakegoq.FieldLicenseKey: key}}))
		e.loginGoQ(t, e.b.openTab(t, goqBase))
		id, _ := e.captureGoQKey(t)
		e.waitDelivery(t, id, keyrelay.DeliveryAlreadyCurrent, 90*time.Second)
		if fake.PostCount() != 0 {
			t.Fatalf("%d save POSTs for a key GoQ already held, want 0", fake.PostCount())
		}
	})
}
