//go:build demo

package outbox_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

func TestCrashRecovery(t *testing.T) {
	for _, tc := range []struct {
		name        string
		postedFirst bool
		wantStatus  string
	}{
		{"died before posting", false, keyrelay.DeliveryDelivered},
		{"died after posting, before recording", true, keyrelay.DeliveryAlreadyCurrent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			s := e.newShop(1, fakegoq.Options{})
			e.setLogin(s)
			c, key := e.capture(s, app)

			// The "dead" helper: another handle on the same file, so another
			// lease owner, as a second process would be.
			deadDB, err := sqlite.Open(filepath.Join(e.dir, "keyrelay.db"), e.sealer)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { deadDB.Close() })
			deadDB.Now = e.clock.Now
			dead := sqlite.NewDeliveryService(deadDB)
			lease := 20 * time.Second
			claimed, err := dead.ClaimDue(context.Background(), e.clock.Now(), lease, 10)
			if err != nil || len(claimed) != 1 {
				t.Fatalf("dead worker claimed %d, %v; want 1", len(claimed), err)
			}
			if tc.postedFirst {
				shopRow, err := e.shops.FindShopByID(context.Background(), c.ShopID)
				if err != nil {
					t.Fatal(err)
				}
				creds, err := e.creds.FindCredentials(context.Background(), "goq", s.ref.Key())
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.dest.Deliver(context.Background(), keyrelay.DeliveryRequest{Shop: shopRow, Capture: c, Key: key, Creds: creds}); err != nil {
					t.Fatal(err)
				}
			}
			postsBefore := s.goq.PostCount()

			w := e.worker()
			w.Lease = lease
			if got := once(t, w); got != 0 {
				t.Fatalf("Once ran %d while the dead worker's lease was live", got)
			}
			e.clock.Advance(lease)
			if got, want := once(t, w), 1; got != want {
				t.Fatalf("Once ran %d after the lease expired, want %d", got, want)
			}
			d := e.delivery(c)
			if got, want := d.Status, tc.wantStatus; got != want {
				t.Fatalf("status = %s (%s), want %s", got, d.LastErrorEn, want)
			}
			if got, want := s.goq.PostCount(), 1; got != want {
				t.Errorf("PostCount = %d, want exactly %d", got, want)
			}
			if tc.postedFirst && s.goq.PostCount() != postsBefore {
				t.Errorf("the reclaimed delivery posted again")
			}
			if got := s.goq.Settings()[fakegoq.FieldLicenseKey]; got != key {
				t.Errorf("GoQ key = …%s, want …%s", keyrelay.KeyLast4(got), keyrelay.KeyLast4(key))
			}

			// The dead worker comes back to life: its record is refused.
			_, err = dead.RecordAttempt(context.Background(), d.ID, &keyrelay.DeliveryAttempt{Result: keyrelay.DeliveryNeedsAttention}, time.Time{})
			if got, want := keyrelay.ErrorCode(err), keyrelay.ECONFLICT; got != want {
				t.Errorf("late RecordAttempt: code %q, want %q", got, want)
			}
			e.clock.Advance(time.Hour)
			if got := once(t, w); got != 0 {
				t.Errorf("Once ran %d after delivery", got)
			}
		})
	}
}

func TestLeaseLostMeanwhile(t *testing.T) {
	e := newEnv(t)
	s := e.newShop(1, fakegoq.Options{})
	e.setLogin(s)
	s.goq.SetDelay(40 * time.Millisecond)
	c, key := e.capture(s, app)
	w := e.worker()
	done := make(chan struct{})
	go func() {
		defer close(done)
		once(t, w)
	}()
	e.waitEvent(c, keyrelay.DeliveryInProgress)

	// While w posts, its lease runs out (a stalled machine) and another
	// helper on the same file claims the delivery.
	otherDB, err := sqlite.Open(filepath.Join(e.dir, "keyrelay.db"), e.sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { otherDB.Close() })
	otherDB.Now = e.clock.Now
	e.clock.Advance(w.Lease)
	if got, err := sqlite.NewDeliveryService(otherDB).ClaimDue(context.Background(), e.clock.Now(), time.Minute, 10); err != nil || len(got) != 1 {
		t.Fatalf("other helper claimed %d, %v; want 1", len(got), err)
	}
	<-done

	d := e.delivery(c)
	if got, want := d.Status, keyrelay.DeliveryInProgress; got != want {
		t.Errorf("status = %s, want %s (the other helper's)", got, want)
	}
	if got := len(e.attempts(d)); got != 0 {
		t.Errorf("%d attempts recorded by the helper that lost its lease", got)
	}
	if got, want := e.events.statuses(c.UUID), []string{keyrelay.DeliveryInProgress}; !slices.Equal(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "changed meanwhile") || strings.Contains(logs, "level=ERROR") {
		t.Errorf("want one info line about the lost lease and no error:\n%s", logs)
	}
	if got := s.goq.Settings()[fakegoq.FieldLicenseKey]; got != key {
		t.Errorf("GoQ key = …%s, want …%s", keyrelay.KeyLast4(got), keyrelay.KeyLast4(key))
	}
}
