//go:build demo

package outbox_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/keyrelay"
	"keyrelay/internal/outbox"
	"keyrelay/internal/sqlite"
)

// countingDeliveries counts the outbox's SQL on the store it wraps.
type countingDeliveries struct {
	keyrelay.DeliveryService
	claims, wakes atomic.Int64
}

func (c *countingDeliveries) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*keyrelay.Delivery, error) {
	c.claims.Add(1)
	return c.DeliveryService.ClaimDue(ctx, now, lease, limit)
}

func (c *countingDeliveries) WakeWaitingLogin(ctx context.Context) (int, error) {
	c.wakes.Add(1)
	return c.DeliveryService.WakeWaitingLogin(ctx)
}

// ticked is a worker on e's store that watches the store's change stamp
// and is ticked by the test: tick advances the clock (the store's and the
// ticks') by d and hands Run one tick. Run takes a tick only between
// passes, so when tick returns, every earlier tick's pass is over.
type ticked struct {
	w     *outbox.Worker
	count *countingDeliveries
	ticks chan time.Time
	e     *env
}

func (e *env) tickedWorker() *ticked {
	k := &ticked{w: e.worker(), count: &countingDeliveries{DeliveryService: e.deliveries}, ticks: make(chan time.Time), e: e}
	k.w.Deliveries = k.count
	k.w.Changes = e.db
	k.w.Ticks = k.ticks
	return k
}

func (k *ticked) tick(d time.Duration) {
	k.e.t.Helper()
	k.e.clock.Advance(d)
	select {
	case k.ticks <- k.e.clock.Now():
	case <-time.After(10 * time.Second):
		k.e.t.Fatal("Run took no tick for 10 s")
	}
}

// settle lets both of Run's looks (the claim's and the login wake's) see
// the store as it is now.
func (k *ticked) settle() {
	k.e.t.Helper()
	k.tick(0) // Run counts LoginPoll from its first tick
	k.tick(outbox.DefaultLoginPoll)
	k.tick(0)
}

// calls is how many claims and login wakes Run has run so far.
func (k *ticked) calls() (claims, wakes int64) { return k.count.claims.Load(), k.count.wakes.Load() }

// otherHandle is a second handle on e's database file, as another process
// (`keyrelay goq set-login`, a helper that crashed) has: its commits reach
// the worker through the file only.
func (e *env) otherHandle() *sqlite.DB {
	e.t.Helper()
	db, err := sqlite.Open(filepath.Join(e.dir, "keyrelay.db"), e.sealer)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { db.Close() })
	db.Now = e.clock.Now
	return db
}

// captureVia commits a capture of app for s through another handle.
func (e *env) captureVia(db *sqlite.DB, s *shop, app string) *keyrelay.Capture {
	e.t.Helper()
	key := e.key(s)
	e.remember(key)
	c, created, err := sqlite.NewCaptureService(db).CreateCapture(context.Background(), &keyrelay.Capture{
		UUID: newUUID(), Shop: s.ref, AppName: app, Developer: "株式会社GoQ System",
		State: "利用中", Expiry: "-", Key: key,
	})
	if err != nil || !created {
		e.t.Fatalf("capture through another handle: created %v, %v", created, err)
	}
	return c
}

// TestRunIdle: with the store's change stamp, ticks run no SQL while nothing
// changed and nothing is due, and still find what another process committed
// and what the clock made due.
func TestRunIdle(t *testing.T) {
	const poll = 2 * time.Second

	t.Run("no SQL while nothing changed, until the backstop", func(t *testing.T) {
		e := newEnv(t)
		s := e.newShop(1, fakegoq.Options{})
		e.setLogin(s)
		k := e.tickedWorker()
		runWorker(t, k.w)
		c, _ := e.capture(s, app)
		k.w.Wake()
		e.waitStatus(c, keyrelay.DeliveryDelivered, 20*time.Second)
		k.settle()
		claims, wakes := k.calls()
		// 100 ticks, 200 s: past LoginPoll (30 s) six times, short of
		// the backstop (5 min).
		for range 100 {
			k.tick(poll)
		}
		k.tick(0)
		if c2, w2 := k.calls(); c2 != claims || w2 != wakes {
			t.Fatalf("100 idle ticks ran %d claims and %d login wakes; want none", c2-claims, w2-wakes)
		}
		// The backstop looks once anyway.
		k.tick(outbox.DefaultBackstop)
		k.tick(0)
		if c2, w2 := k.calls(); c2 != claims+1 || w2 != wakes+1 {
			t.Fatalf("at the backstop: %d claims and %d login wakes; want 1 and 1", c2-claims, w2-wakes)
		}
	})

	t.Run("a delivery committed by another process", func(t *testing.T) {
		e := newEnv(t)
		s := e.newShop(1, fakegoq.Options{})
		e.setLogin(s)
		k := e.tickedWorker()
		runWorker(t, k.w)
		other := e.otherHandle()
		k.settle()
		k.tick(poll)
		claims, _ := k.calls()
		k.tick(poll)
		if got, _ := k.calls(); got != claims {
			t.Fatalf("%d claims with nothing new; want none", got-claims)
		}
		c := e.captureVia(other, s, app) // no Wake: another process cannot call it
		k.tick(poll)
		e.waitStatus(c, keyrelay.DeliveryDelivered, 20*time.Second)
	})

	t.Run("credentials set by another process", func(t *testing.T) {
		e := newEnv(t)
		s := e.newShop(1, fakegoq.Options{})
		k := e.tickedWorker()
		runWorker(t, k.w)
		c, _ := e.capture(s, app)
		k.w.Wake()
		k.settle()
		if d := e.delivery(c); d.Status != keyrelay.DeliveryWaitingLogin {
			t.Fatalf("status %s, want waiting_login", d.Status)
		}
		_, wakes := k.calls()
		for range 3 {
			k.tick(outbox.DefaultLoginPoll)
		}
		k.tick(0)
		if _, got := k.calls(); got != wakes {
			t.Fatalf("%d login wakes with no credentials set; want none", got-wakes)
		}
		// `keyrelay goq set-login`: another handle, no Wake.
		other := e.otherHandle()
		if err := sqlite.NewCredentialService(other).SetCredentials(context.Background(), &keyrelay.Credentials{
			ShopKey: s.ref.Key(), Destination: e.dest.Name(), BaseURL: s.url, LoginID: s.login, Password: s.pass,
		}); err != nil {
			t.Fatal(err)
		}
		k.tick(poll)
		e.waitStatus(c, keyrelay.DeliveryDelivered, 20*time.Second)
		if _, got := k.calls(); got != wakes+1 {
			t.Errorf("login wakes after the credentials: %d, want 1", got-wakes)
		}
	})

	t.Run("a retry when its backoff ends", func(t *testing.T) {
		e := newEnv(t)
		s := e.newShop(1, fakegoq.Options{})
		e.setLogin(s)
		k := e.tickedWorker()
		runWorker(t, k.w)
		s.goq.FailNext(1 << 20)
		c, _ := e.capture(s, app)
		k.w.Wake()
		d := e.waitAttempts(c, 1)
		if d.Status != keyrelay.DeliveryPending || !d.NextAttemptAt.After(e.clock.Now()) {
			t.Fatalf("after a 500: status %s, next attempt %v (now %v); want a retry later", d.Status, d.NextAttemptAt, e.clock.Now())
		}
		s.goq.FailNext(0)
		k.tick(0) // the attempt's commit: one look, which learns the retry's time
		k.tick(0)
		claims, _ := k.calls()
		for e.clock.Now().Add(poll).Before(d.NextAttemptAt) {
			k.tick(poll)
		}
		k.tick(0)
		if got, _ := k.calls(); got != claims {
			t.Fatalf("%d claims before the retry was due; want none", got-claims)
		}
		k.tick(d.NextAttemptAt.Sub(e.clock.Now()))
		e.waitStatus(c, keyrelay.DeliveryDelivered, 20*time.Second)
	})

	t.Run("a lease that expires", func(t *testing.T) {
		e := newEnv(t)
		s := e.newShop(1, fakegoq.Options{})
		e.setLogin(s)
		c, _ := e.capture(s, app)
		// A helper that claimed it and died.
		lease := 20 * time.Second
		if got, err := sqlite.NewDeliveryService(e.otherHandle()).ClaimDue(context.Background(), e.clock.Now(), lease, 10); err != nil || len(got) != 1 {
			t.Fatalf("dead helper claimed %d, %v; want 1", len(got), err)
		}
		k := e.tickedWorker()
		runWorker(t, k.w)
		k.tick(0)
		claims, _ := k.calls()
		for range 9 {
			k.tick(poll) // 18 s of the 20 s lease
		}
		k.tick(0)
		if got, _ := k.calls(); got != claims {
			t.Fatalf("%d claims while the lease was live; want none", got-claims)
		}
		k.tick(poll)
		e.waitStatus(c, keyrelay.DeliveryDelivered, 20*time.Second)
	})
}

// waitAttempts waits until capture c's delivery has n attempts and is not
// leased, and returns it.
func (e *env) waitAttempts(c *keyrelay.Capture, n int) *keyrelay.Delivery {
	e.t.Helper()
	return e.waitDelivery(c, 20*time.Second,
		func(d *keyrelay.Delivery) bool { return d.Attempts >= n && d.Status != keyrelay.DeliveryInProgress },
		func(d *keyrelay.Delivery) string {
			return fmt.Sprintf("%d attempts, status %s; want %d", d.Attempts, d.Status, n)
		})
}
