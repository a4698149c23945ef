//go:build demo

package outbox_test

import (
	"strings"
	"testing"
	"time"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/keyrelay"
)

// TestUnverifiableNotRetried: when GoQ does not show the saved key, the
// delivery posts once and goes to needs_attention after that one attempt,
// asking the operator to check GoQ, instead of retrying and posting again.
func TestUnverifiableNotRetried(t *testing.T) {
	for name, display := range map[string]fakegoq.KeyDisplay{"masked": fakegoq.KeyMasked, "password": fakegoq.KeyPassword} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			s := e.newShop(1, fakegoq.Options{KeyDisplay: display})
			e.setLogin(s)
			w := e.worker()
			c, key := e.capture(s, app)

			ran := 0
			for range 10 {
				n := once(t, w)
				if n == 0 {
					break
				}
				ran += n
				e.clock.Advance(time.Hour) // past any backoff
			}
			if got, want := ran, 1; got != want {
				t.Errorf("the worker ran %d attempts, want %d", got, want)
			}
			d := e.delivery(c)
			if got, want := d.Status, keyrelay.DeliveryNeedsAttention; got != want {
				t.Fatalf("status = %s (%s), want %s", got, d.LastErrorEn, want)
			}
			if got, want := d.Attempts, 1; got != want {
				t.Errorf("Attempts = %d, want %d", got, want)
			}
			if got, want := len(e.attempts(d)), 1; got != want {
				t.Errorf("%d attempts recorded, want %d", got, want)
			}
			if got, want := s.goq.PostCount(), 1; got != want {
				t.Errorf("PostCount = %d, want %d", got, want)
			}
			if got := s.goq.Settings()[fakegoq.FieldLicenseKey]; got != key {
				t.Errorf("GoQ key = …%s, want …%s", keyrelay.KeyLast4(got), keyrelay.KeyLast4(key))
			}
			if !strings.Contains(d.LastError, "ご自身で確認") || !strings.Contains(d.LastError, keyrelay.KeyLast4(key)) {
				t.Errorf("LastError = %q, want it to ask the operator to check the key ending %s", d.LastError, keyrelay.KeyLast4(key))
			}
			if !strings.Contains(d.LastErrorEn, "check yourself") || !strings.Contains(d.LastErrorEn, "stopped after 1 attempts") {
				t.Errorf("LastErrorEn = %q, want it to ask for a check and say it stopped after 1 attempt", d.LastErrorEn)
			}
			e.waitEvent(c, keyrelay.DeliveryNeedsAttention)
		})
	}
}
