//go:build demo

package outbox_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/keyrelay"
)

func TestSupersede(t *testing.T) {
	t.Run("before the worker runs", func(t *testing.T) {
		e := newEnv(t)
		s := e.newShop(1, fakegoq.Options{})
		e.setLogin(s)
		old, _ := e.capture(s, app)
		newer, key := e.capture(s, app)
		w := e.worker()
		for once(t, w) > 0 {
		}
		if got, want := e.delivery(old).Status, keyrelay.DeliverySuperseded; got != want {
			t.Errorf("old delivery: %s, want %s", got, want)
		}
		if got, want := len(e.attempts(e.delivery(old))), 0; got != want {
			t.Errorf("old delivery: %d attempts, want %d", got, want)
		}
		if got, want := e.delivery(newer).Status, keyrelay.DeliveryDelivered; got != want {
			t.Errorf("new delivery: %s, want %s", got, want)
		}
		if got, want := s.goq.PostCount(), 1; got != want {
			t.Errorf("PostCount = %d, want %d", got, want)
		}
		if got := s.goq.Settings()[fakegoq.FieldLicenseKey]; got != key {
			t.Errorf("GoQ key = …%s, want the newest …%s", keyrelay.KeyLast4(got), keyrelay.KeyLast4(key))
		}
	})

	t.Run("while the older one is in flight", func(t *testing.T) {
		e := newEnv(t)
		s := e.newShop(1, fakegoq.Options{})
		e.setLogin(s)
		s.goq.SetDelay(30 * time.Millisecond)
		w := e.worker()
		runWorker(t, w)
		old, _ := e.capture(s, app)
		w.Wake()
		e.waitEvent(old, keyrelay.DeliveryInProgress)
		newer, key := e.capture(s, app)
		w.Wake()
		e.waitStatus(newer, keyrelay.DeliveryDelivered, 20*time.Second)
		// The older key was already being posted: it finishes, and the
		// newer one is posted after it, never the other way round.
		if got, want := e.delivery(old).Status, keyrelay.DeliveryDelivered; got != want {
			t.Errorf("old delivery: %s, want %s", got, want)
		}
		if got := s.goq.Settings()[fakegoq.FieldLicenseKey]; got != key {
			t.Errorf("GoQ key = …%s, want the newest …%s", keyrelay.KeyLast4(got), keyrelay.KeyLast4(key))
		}
		if got, want := s.goq.PostCount(), 2; got != want {
			t.Errorf("PostCount = %d, want %d", got, want)
		}
		if a, b := e.attempts(e.delivery(old)), e.attempts(e.delivery(newer)); b[0].StartedAt.Before(a[len(a)-1].FinishedAt) {
			t.Errorf("newer delivery started before the older one finished")
		}
	})
}

// tracking wraps the real destination and records how many deliveries run
// at once, per shop and in all.
type tracking struct {
	keyrelay.Destination
	mu              sync.Mutex
	perShop         map[int64]int
	total           int
	maxShop, maxAll int
}

func (d *tracking) Deliver(ctx context.Context, req keyrelay.DeliveryRequest) (keyrelay.DeliveryResult, error) {
	d.mu.Lock()
	d.perShop[req.Shop.ID]++
	d.total++
	d.maxShop = max(d.maxShop, d.perShop[req.Shop.ID])
	d.maxAll = max(d.maxAll, d.total)
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.perShop[req.Shop.ID]--
		d.total--
		d.mu.Unlock()
	}()
	return d.Destination.Deliver(ctx, req)
}

func TestOnePerShopAtATime(t *testing.T) {
	e := newEnv(t)
	tr := &tracking{Destination: e.dest, perShop: map[int64]int{}}
	e.dest = tr
	var shops []*shop
	var caps []*keyrelay.Capture
	for i := range 3 {
		s := e.newShop(i+1, fakegoq.Options{})
		s.goq.SetDelay(15 * time.Millisecond)
		e.setLogin(s)
		shops = append(shops, s)
	}
	for j := range 3 {
		for _, s := range shops {
			c, _ := e.capture(s, fmt.Sprintf("GoQ System アプリ%d", j)) // distinct (GoQ) apps: none superseded
			caps = append(caps, c)
		}
	}
	w := e.worker()
	w.Concurrency = 4
	runWorker(t, w)
	w.Wake()
	for _, c := range caps {
		e.waitStatus(c, keyrelay.DeliveryDelivered, 60*time.Second)
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if got, want := tr.maxShop, 1; got != want {
		t.Errorf("at most %d deliveries of one shop ran at once, want %d", got, want)
	}
	if tr.maxAll < 2 {
		t.Errorf("at most %d deliveries ran at once; shops should proceed concurrently", tr.maxAll)
	}
	for _, s := range shops {
		if got, want := s.goq.PostCount(), 3; got != want {
			t.Errorf("shop %s: PostCount = %d, want %d", s.ref.ID, got, want)
		}
	}
}

// panicking is a destination whose page reader crashes.
type panicking struct{ keyrelay.Destination }

func (panicking) Deliver(context.Context, keyrelay.DeliveryRequest) (keyrelay.DeliveryResult, error) {
	var m map[string]int
	m["boom"]++ // a nil-map write: the kind of bug an unexpected page would hit
	return keyrelay.DeliveryResult{}, nil
}

// TestPanickingDestinationIsAFailedAttempt: nothing crashes the helper; the
// delivery ends needs_attention with a reason, like any permanent failure.
func TestPanickingDestinationIsAFailedAttempt(t *testing.T) {
	e := newEnv(t)
	e.dest = panicking{e.dest}
	s := e.newShop(1, fakegoq.Options{})
	e.setLogin(s)
	c, _ := e.capture(s, app)
	w := e.worker()
	for range 20 {
		if once(t, w) == 0 {
			break
		}
		e.clock.Set(e.delivery(c).NextAttemptAt)
	}
	d := e.delivery(c)
	if d.Status != keyrelay.DeliveryNeedsAttention || d.Attempts != 3 {
		t.Fatalf("status %s after %d attempts, want needs_attention after 3 (EINVALID)", d.Status, d.Attempts)
	}
	if !strings.Contains(d.LastErrorEn, "failed unexpectedly") {
		t.Fatalf("last error = %q, want the unexpected-failure reason", d.LastErrorEn)
	}
}
