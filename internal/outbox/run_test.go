//go:build demo

package outbox_test

import (
	"slices"
	"testing"
	"time"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/keyrelay"
)

func TestPause(t *testing.T) {
	e := newEnv(t)
	s := e.newShop(1, fakegoq.Options{})
	e.setLogin(s)
	w := e.worker()
	w.Events = nil // optional
	w.Pause()
	if !w.Paused() {
		t.Fatal("Paused() = false after Pause")
	}
	c, _ := e.capture(s, app)
	// One pass at a time, not a sleep: a paused worker's pass does nothing.
	if got := once(t, w); got != 0 {
		t.Fatalf("paused: Once ran %d", got)
	}
	if d := e.delivery(c); d.Status != keyrelay.DeliveryPending || d.Attempts != 0 {
		t.Fatalf("paused: status %s, attempts %d; want pending, 0", d.Status, d.Attempts)
	}
	runWorker(t, w)
	w.Resume()
	if w.Paused() {
		t.Fatal("Paused() = true after Resume")
	}
	e.waitStatus(c, keyrelay.DeliveryDelivered, 20*time.Second)
	if got, want := s.goq.PostCount(), 1; got != want {
		t.Errorf("PostCount = %d, want %d", got, want)
	}
}

func TestRunStops(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		e := newEnv(t)
		w := e.worker()
		stop := runWorker(t, w)
		time.Sleep(50 * time.Millisecond)
		start := time.Now()
		stop()
		if took := time.Since(start); took > time.Second {
			t.Errorf("Run took %v to return", took)
		}
	})

	t.Run("releases a hung delivery", func(t *testing.T) {
		e := newEnv(t)
		s := e.newShop(1, fakegoq.Options{})
		e.setLogin(s)
		s.goq.SetDelay(5 * time.Second)
		w := e.worker()
		w.ShutdownGrace = 100 * time.Millisecond
		stop := runWorker(t, w)
		c, key := e.capture(s, app)
		w.Wake()
		e.waitEvent(c, keyrelay.DeliveryInProgress)
		start := time.Now()
		stop()
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("Run took %v to return", took)
		}
		d := e.delivery(c)
		if d.Status != keyrelay.DeliveryPending || !d.LeaseUntil.IsZero() || d.Attempts != 0 {
			t.Fatalf("after shutdown: status %s, lease %v, attempts %d; want pending, no lease, 0", d.Status, d.LeaseUntil, d.Attempts)
		}
		if got := s.goq.PostCount(); got != 0 {
			t.Fatalf("PostCount = %d", got)
		}
		if got, want := e.events.statuses(c.UUID), []string{keyrelay.DeliveryInProgress, keyrelay.DeliveryPending}; !slices.Equal(got, want) {
			t.Errorf("events = %q, want %q", got, want)
		}

		// The next start delivers it at once, not after the lease.
		s.goq.SetDelay(0)
		w2 := e.worker()
		if got, want := once(t, w2), 1; got != want {
			t.Fatalf("next start: Once ran %d, want %d", got, want)
		}
		if got, want := e.delivery(c).Status, keyrelay.DeliveryDelivered; got != want {
			t.Errorf("status = %s, want %s", got, want)
		}
		if got, want := s.goq.PostCount(), 1; got != want {
			t.Errorf("PostCount = %d, want %d", got, want)
		}
		if got := s.goq.Settings()[fakegoq.FieldLicenseKey]; got != key {
			t.Errorf("GoQ key = …%s, want …%s", keyrelay.KeyLast4(got), keyrelay.KeyLast4(key))
		}
	})

	t.Run("lets a delivery finish within the grace", func(t *testing.T) {
		e := newEnv(t)
		s := e.newShop(1, fakegoq.Options{})
		e.setLogin(s)
		s.goq.SetDelay(20 * time.Millisecond)
		w := e.worker()
		w.ShutdownGrace = 20 * time.Second
		stop := runWorker(t, w)
		c, _ := e.capture(s, app)
		w.Wake()
		e.waitEvent(c, keyrelay.DeliveryInProgress)
		stop()
		if got, want := e.delivery(c).Status, keyrelay.DeliveryDelivered; got != want {
			t.Errorf("status = %s, want %s", got, want)
		}
	})
}
