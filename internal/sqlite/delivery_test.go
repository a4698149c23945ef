package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/secret"
	"keyrelay/internal/sqlite"
)

func setCreds(t *testing.T, e *env, shopKey string) {
	t.Helper()
	err := sqlite.NewCredentialService(e.db).SetCredentials(context.Background(), &keyrelay.Credentials{
		ShopKey: shopKey, Destination: "goq", BaseURL: "https://order.goqsystem.com/goq21/", LoginID: "shop-" + shopKey, Password: "pw-" + shopKey,
	})
	if err != nil {
		t.Fatal(err)
	}
}

func deliveryOf(t *testing.T, e *env, captureID int64) *keyrelay.Delivery {
	t.Helper()
	ds, err := sqlite.NewDeliveryService(e.db).FindDeliveries(context.Background(), keyrelay.DeliveryFilter{CaptureID: captureID})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 {
		t.Fatalf("capture %d has %d deliveries, want 1", captureID, len(ds))
	}
	return ds[0]
}

func wantStatus(t *testing.T, d *keyrelay.Delivery, status string) {
	t.Helper()
	if d.Status != status {
		t.Fatalf("delivery %d: got status %q, want %q", d.ID, d.Status, status)
	}
}

func TestDeliveryCreatedWithCapture(t *testing.T) {
	ctx := context.Background()

	t.Run("WaitingLoginThenWoken", func(t *testing.T) {
		e := newEnv(t)
		c := mustCreate(t, e, newCapture("123456", "GoQSystem", testKey))
		d := deliveryOf(t, e, c.ID)
		wantStatus(t, d, keyrelay.DeliveryWaitingLogin)
		if d.CaptureUUID != c.UUID || d.AppName != "GoQSystem" || d.Destination != "goq" || d.ShopID != c.ShopID {
			t.Fatalf("joined fields: %+v", d)
		}
		ds := sqlite.NewDeliveryService(e.db)
		if n, err := ds.WakeWaitingLogin(ctx); err != nil || n != 0 {
			t.Fatalf("woke %d (%v) without credentials", n, err)
		}
		setCreds(t, e, "id:123456")
		if n, err := ds.WakeWaitingLogin(ctx); err != nil || n != 1 {
			t.Fatalf("woke %d (%v), want 1", n, err)
		}
		d = deliveryOf(t, e, c.ID)
		wantStatus(t, d, keyrelay.DeliveryPending)
		if !d.NextAttemptAt.Equal(t0) {
			t.Fatalf("next attempt: got %v, want %v", d.NextAttemptAt, t0)
		}
	})

	t.Run("PendingWithExactCredentials", func(t *testing.T) {
		e := newEnv(t)
		setCreds(t, e, "id:111111")
		setCreds(t, e, "id:222222")
		a := mustCreate(t, e, newCapture("111111", "GoQSystem", testKey))
		b := mustCreate(t, e, newCapture("333333", "GoQSystem", testKey))
		wantStatus(t, deliveryOf(t, e, a.ID), keyrelay.DeliveryPending)
		// Two shops configured and neither is 333333: no guessing.
		wantStatus(t, deliveryOf(t, e, b.ID), keyrelay.DeliveryWaitingLogin)
	})

	t.Run("PendingWithOnlyCredentials", func(t *testing.T) {
		e := newEnv(t)
		setCreds(t, e, "")
		a := mustCreate(t, e, newCapture("111111", "GoQSystem", testKey))
		wantStatus(t, deliveryOf(t, e, a.ID), keyrelay.DeliveryPending)
	})

	t.Run("OneRowPerDestination", func(t *testing.T) {
		e := newEnv(t)
		e.db.Destinations = []string{"goq", "other"}
		setCreds(t, e, "id:111111")
		a := mustCreate(t, e, newCapture("111111", "GoQSystem", testKey))
		ds, err := sqlite.NewDeliveryService(e.db).FindDeliveries(ctx, keyrelay.DeliveryFilter{CaptureID: a.ID})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, d := range ds {
			got[d.Destination] = d.Status
		}
		if len(got) != 2 || got["goq"] != keyrelay.DeliveryPending || got["other"] != keyrelay.DeliveryWaitingLogin {
			t.Fatalf("got %v", got)
		}
	})

	t.Run("Supersede", func(t *testing.T) {
		e := newEnv(t)
		setCreds(t, e, "")
		old := mustCreate(t, e, newCapture("111111", "GoQSystem", testKey))
		otherApp := mustCreate(t, e, newCapture("111111", "GoQSystem OtherApp", testKey))
		otherShop := mustCreate(t, e, newCapture("222222", "GoQSystem", testKey))
		e.clock.Add(time.Minute)
		newer := mustCreate(t, e, newCapture("111111", "GoQSystem", "SL123456_ZyXwVuTs98765432"))

		d := deliveryOf(t, e, old.ID)
		wantStatus(t, d, keyrelay.DeliverySuperseded)
		if !d.FinishedAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("finished_at: got %v", d.FinishedAt)
		}
		wantStatus(t, deliveryOf(t, e, otherApp.ID), keyrelay.DeliveryPending)
		// The default login became 111111's: 222222 waits for its own.
		wantStatus(t, deliveryOf(t, e, otherShop.ID), keyrelay.DeliveryWaitingLogin)
		wantStatus(t, deliveryOf(t, e, newer.ID), keyrelay.DeliveryPending)

		// RetryNow of the old row must not resurrect the old key.
		err := sqlite.NewDeliveryService(e.db).RetryNow(ctx, d.ID)
		wantCode(t, err, keyrelay.ECONFLICT)
	})

	t.Run("SupersedeSparesInFlight", func(t *testing.T) {
		e := newEnv(t)
		setCreds(t, e, "")
		ds := sqlite.NewDeliveryService(e.db)
		old := mustCreate(t, e, newCapture("111111", "GoQSystem", testKey))
		claimed, err := ds.ClaimDue(ctx, t0, time.Minute, 10)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claimed %v, %v", claimed, err)
		}
		newer := mustCreate(t, e, newCapture("111111", "GoQSystem", "SL123456_ZyXwVuTs98765432"))
		wantStatus(t, deliveryOf(t, e, old.ID), keyrelay.DeliveryInProgress)
		// The shop has a live lease: the newer key waits for the older post.
		if got, err := ds.ClaimDue(ctx, t0, time.Minute, 10); err != nil || len(got) != 0 {
			t.Fatalf("claimed %d (%v) while the shop was leased", len(got), err)
		}
		if _, err := ds.RecordAttempt(ctx, claimed[0].ID, &keyrelay.DeliveryAttempt{Result: keyrelay.DeliveryDelivered}, time.Time{}); err != nil {
			t.Fatal(err)
		}
		got, err := ds.ClaimDue(ctx, t0, time.Minute, 10)
		if err != nil || len(got) != 1 || got[0].CaptureID != newer.ID {
			t.Fatalf("got %v, %v; want the newer capture's delivery", got, err)
		}
	})
}

func TestClaimDue(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	setCreds(t, e, "id:111111")
	setCreds(t, e, "id:222222")
	ds := sqlite.NewDeliveryService(e.db)
	a1 := mustCreate(t, e, newCapture("111111", "GoQSystem App1", testKey))
	a2 := mustCreate(t, e, newCapture("111111", "GoQSystem App2", testKey))
	b1 := mustCreate(t, e, newCapture("222222", "GoQSystem App1", testKey))
	lease := 5 * time.Minute

	claimed, err := ds.ClaimDue(ctx, t0, lease, 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("OnePerShopOldestFirst", func(t *testing.T) {
		if len(claimed) != 2 || claimed[0].CaptureID != a1.ID || claimed[1].CaptureID != b1.ID {
			t.Fatalf("got %+v", claimed)
		}
		for _, d := range claimed {
			wantStatus(t, d, keyrelay.DeliveryInProgress)
			if !d.LeaseUntil.Equal(t0.Add(lease)) {
				t.Fatalf("lease: got %v", d.LeaseUntil)
			}
		}
	})

	t.Run("LiveLeaseBlocksShop", func(t *testing.T) {
		got, err := ds.ClaimDue(ctx, t0.Add(lease-time.Second), lease, 10)
		if err != nil || len(got) != 0 {
			t.Fatalf("got %d (%v), want none", len(got), err)
		}
	})

	t.Run("Limit", func(t *testing.T) {
		got, err := ds.ClaimDue(ctx, t0.Add(lease), lease, 1)
		if err != nil || len(got) != 1 || got[0].CaptureID != a1.ID {
			t.Fatalf("got %v (%v), want a1 only", got, err)
		}
	})

	t.Run("ExpiredLeaseReclaimed", func(t *testing.T) {
		got, err := ds.ClaimDue(ctx, t0.Add(2*lease), lease, 10)
		if err != nil {
			t.Fatal(err)
		}
		// a1 was reclaimed by Limit at t0+lease (lease to t0+2*lease, now
		// expired again); b1's first lease expired long ago.
		if len(got) != 2 || got[0].CaptureID != a1.ID || got[1].CaptureID != b1.ID {
			t.Fatalf("got %+v", got)
		}
	})

	now := t0.Add(2 * lease)
	t.Run("RecordAttemptRetry", func(t *testing.T) {
		d, err := ds.RecordAttempt(ctx, deliveryOf(t, e, a1.ID).ID, &keyrelay.DeliveryAttempt{
			Result: keyrelay.DeliveryPending, Error: "GoQがメンテナンス中です。", ErrorEn: "GoQ maintenance",
		}, now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, d, keyrelay.DeliveryPending)
		if d.Attempts != 1 || d.LastErrorEn != "GoQ maintenance" || !d.NextAttemptAt.Equal(now.Add(time.Hour)) || !d.LeaseUntil.IsZero() {
			t.Fatalf("got %+v", d)
		}
		// Not due yet; the shop's other app is.
		got, err := ds.ClaimDue(ctx, now, lease, 10)
		if err != nil || len(got) != 1 || got[0].CaptureID != a2.ID {
			t.Fatalf("got %v (%v), want a2", got, err)
		}
	})

	t.Run("RecordAttemptFinal", func(t *testing.T) {
		id := deliveryOf(t, e, a2.ID).ID
		e.clock.Add(time.Hour)
		d, err := ds.RecordAttempt(ctx, id, &keyrelay.DeliveryAttempt{Result: keyrelay.DeliveryDelivered, StartedAt: t0}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, d, keyrelay.DeliveryDelivered)
		if !d.FinishedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("finished_at: got %v", d.FinishedAt)
		}
		as, err := ds.FindAttempts(ctx, id)
		if err != nil || len(as) != 1 || as[0].Result != keyrelay.DeliveryDelivered || !as[0].StartedAt.Equal(t0) {
			t.Fatalf("attempts: %+v, %v", as, err)
		}
		_, err = ds.RecordAttempt(ctx, id, &keyrelay.DeliveryAttempt{Result: keyrelay.DeliveryDelivered}, time.Time{})
		wantCode(t, err, keyrelay.ECONFLICT)
	})

	t.Run("RetryNow", func(t *testing.T) {
		id := deliveryOf(t, e, a1.ID).ID
		if err := ds.RetryNow(ctx, id); err != nil {
			t.Fatal(err)
		}
		d, err := ds.FindDeliveryByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, d, keyrelay.DeliveryPending)
		if !d.NextAttemptAt.Equal(e.clock.Now()) {
			t.Fatalf("next: got %v, want now", d.NextAttemptAt)
		}
		wantCode(t, ds.RetryNow(ctx, deliveryOf(t, e, a2.ID).ID), keyrelay.ECONFLICT) // delivered
		wantCode(t, ds.RetryNow(ctx, 999), keyrelay.ENOTFOUND)
	})

	t.Run("NeedsAttentionThenRetry", func(t *testing.T) {
		now := e.clock.Now()
		got, err := ds.ClaimDue(ctx, now, lease, 10)
		if err != nil || len(got) != 2 {
			t.Fatalf("got %v (%v)", got, err)
		}
		for _, d := range got {
			if _, err := ds.RecordAttempt(ctx, d.ID, &keyrelay.DeliveryAttempt{Result: keyrelay.DeliveryNeedsAttention, Error: "x", ErrorEn: "x"}, time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := ds.ClaimDue(ctx, now.Add(time.Hour), lease, 10); len(got) != 0 {
			t.Fatalf("needs_attention rows were claimed: %v", got)
		}
		if err := ds.RetryNow(ctx, got[0].ID); err != nil {
			t.Fatal(err)
		}
		again, err := ds.ClaimDue(ctx, e.clock.Now(), lease, 10)
		if err != nil || len(again) != 1 || again[0].ID != got[0].ID || again[0].Attempts != 2 {
			t.Fatalf("got %+v (%v)", again, err)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		got, err := ds.FindDeliveries(ctx, keyrelay.DeliveryFilter{Status: keyrelay.DeliveryDelivered})
		if err != nil || len(got) != 1 || got[0].CaptureID != a2.ID {
			t.Fatalf("got %v (%v)", got, err)
		}
		got, err = ds.FindDeliveries(ctx, keyrelay.DeliveryFilter{ShopID: &b1.ShopID})
		if err != nil || len(got) != 1 || got[0].CaptureID != b1.ID {
			t.Fatalf("got %v (%v)", got, err)
		}
		_, err = ds.FindDeliveryByID(ctx, 999)
		wantCode(t, err, keyrelay.ENOTFOUND)
		_, err = ds.FindAttempts(ctx, 999)
		wantCode(t, err, keyrelay.ENOTFOUND)
	})
}

// TestLeasesAcrossProcesses opens the same file twice, as a helper and its
// restarted successor after kill -9 would.
func TestLeasesAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	setCreds(t, e, "")
	c := mustCreate(t, e, newCapture("111111", "GoQSystem", testKey))
	first := sqlite.NewDeliveryService(e.db)
	lease := time.Minute
	claimed, err := first.ClaimDue(ctx, t0, lease, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claimed %v (%v)", claimed, err)
	}

	sealer, err := secret.Open(e.dir, secret.ModeFile)
	if err != nil {
		t.Fatal(err)
	}
	db2, err := sqlite.Open(filepath.Join(e.dir, "keyrelay.db"), sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	db2.Now = e.clock.Now
	second := sqlite.NewDeliveryService(db2)

	t.Run("ReleaseLeasesOnlyOwn", func(t *testing.T) {
		if err := second.ReleaseLeases(ctx); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, deliveryOf(t, e, c.ID), keyrelay.DeliveryInProgress)
	})

	t.Run("LiveLeaseHonoured", func(t *testing.T) {
		if got, err := second.ClaimDue(ctx, t0.Add(lease/2), lease, 10); err != nil || len(got) != 0 {
			t.Fatalf("got %v (%v)", got, err)
		}
	})

	t.Run("RecoverAbandonedAtStart", func(t *testing.T) {
		// A restarted helper (holding the instance lock) takes the dead
		// one's lease back at once instead of waiting for it to expire.
		n, err := second.RecoverAbandonedLeases(ctx)
		if err != nil || n != 1 {
			t.Fatalf("recovered %d (%v), want 1", n, err)
		}
		wantStatus(t, deliveryOf(t, e, c.ID), keyrelay.DeliveryPending)
		if n, err := second.RecoverAbandonedLeases(ctx); err != nil || n != 0 {
			t.Fatalf("second recovery touched %d (%v), want 0", n, err)
		}
		// Put the first handle's lease back for the expiry path below.
		if got, err := first.ClaimDue(ctx, t0, lease, 10); err != nil || len(got) != 1 {
			t.Fatalf("reclaim: %v (%v)", got, err)
		}
	})

	t.Run("CrashRecovery", func(t *testing.T) {
		got, err := second.ClaimDue(ctx, t0.Add(lease), lease, 10)
		if err != nil || len(got) != 1 || got[0].CaptureID != c.ID {
			t.Fatalf("got %v (%v)", got, err)
		}
		// The first helper (presumed dead) may not record over the new lease.
		_, err = first.RecordAttempt(ctx, got[0].ID, &keyrelay.DeliveryAttempt{Result: keyrelay.DeliveryDelivered}, time.Time{})
		wantCode(t, err, keyrelay.ECONFLICT)
		if err := second.ReleaseLeases(ctx); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, deliveryOf(t, e, c.ID), keyrelay.DeliveryPending)
	})
}

// TestOwnAppKeyNotQueuedForGoQ: the shop's own app (店舗様) has a key too;
// it must never be queued for GoQSystem's key field.
func TestOwnAppKeyNotQueuedForGoQ(t *testing.T) {
	e := newEnv(t)
	c := newCapture("123456", "(アプリ名を登録してください)", testKey)
	c.Developer = "店舗様"
	stored := mustCreate(t, e, c)
	ds, err := sqlite.NewDeliveryService(e.db).FindDeliveries(context.Background(), keyrelay.DeliveryFilter{CaptureID: stored.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 0 {
		t.Fatalf("got %d deliveries for the shop's own app, want none", len(ds))
	}
}

// TestOlderRetryNeverAfterNewer: an older key that was in flight when a newer
// capture arrived, and then failed transiently, must not be retried after the
// newer key: it would overwrite the new key in GoQ.
func TestOlderRetryNeverAfterNewer(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	setCreds(t, e, "")
	ds := sqlite.NewDeliveryService(e.db)
	a := mustCreate(t, e, newCapture("111111", "GoQSystem", "SL111111_OlderKey00000001"))
	lease := time.Minute
	claimed, err := ds.ClaimDue(ctx, t0, lease, 10)
	if err != nil || len(claimed) != 1 || claimed[0].CaptureID != a.ID {
		t.Fatalf("claim A: %v (%v)", claimed, err)
	}
	b := mustCreate(t, e, newCapture("111111", "GoQSystem", "SL111111_NewerKey00000002"))
	wantStatus(t, deliveryOf(t, e, a.ID), keyrelay.DeliveryInProgress) // in flight: not touched
	// A fails transiently: back to pending, due in 30 s.
	if _, err := ds.RecordAttempt(ctx, claimed[0].ID, &keyrelay.DeliveryAttempt{Result: keyrelay.DeliveryPending, Error: "GoQ 500"}, t0.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	got, err := ds.ClaimDue(ctx, t0.Add(time.Second), lease, 10)
	if err != nil || len(got) != 1 || got[0].CaptureID != b.ID {
		t.Fatalf("claim after A's failure = %v (%v), want only B", got, err)
	}
	if _, err := ds.RecordAttempt(ctx, got[0].ID, &keyrelay.DeliveryAttempt{Result: keyrelay.DeliveryDelivered}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	// A's retry comes due: it is superseded instead of claimed.
	if got, err := ds.ClaimDue(ctx, t0.Add(time.Hour), lease, 10); err != nil || len(got) != 0 {
		t.Fatalf("claim after B delivered = %v (%v), want nothing (A must never be posted)", got, err)
	}
	wantStatus(t, deliveryOf(t, e, a.ID), keyrelay.DeliverySuperseded)
}

// TestOtherShopsLoginNeverUsed: with only shop 111111's GoQ login saved, a
// capture from shop 222222 waits for its own login instead of being posted
// into 111111's GoQ (which would overwrite 111111's working key).
func TestOtherShopsLoginNeverUsed(t *testing.T) {
	e := newEnv(t)
	setCreds(t, e, keyrelay.ShopRef{ID: "111111"}.Key())
	own := mustCreate(t, e, newCapture("111111", "GoQSystem", "SL111111_AbCdEfGh12345678"))
	other := mustCreate(t, e, newCapture("222222", "GoQSystem", "SL222222_AbCdEfGh12345678"))
	wantStatus(t, deliveryOf(t, e, own.ID), keyrelay.DeliveryPending)
	wantStatus(t, deliveryOf(t, e, other.ID), keyrelay.DeliveryWaitingLogin)
	_, err := sqlite.NewCredentialService(e.db).FindCredentials(context.Background(), "goq", keyrelay.ShopRef{ID: "222222"}.Key())
	wantCode(t, err, keyrelay.ENOTFOUND)
}

// TestFindDeliveriesOfSeveralCaptures: a history page asks for its rows'
// deliveries in one query.
func TestFindDeliveriesOfSeveralCaptures(t *testing.T) {
	e := newEnv(t)
	var ids []int64
	for i := range 3 {
		c := mustCreate(t, e, newCapture(fmt.Sprintf("11111%d", i), "GoQSystem", testKey))
		ids = append(ids, c.ID)
	}
	ds, err := sqlite.NewDeliveryService(e.db).FindDeliveries(context.Background(), keyrelay.DeliveryFilter{CaptureIDs: ids[:2]})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]bool{}
	for _, d := range ds {
		got[d.CaptureID] = true
	}
	if len(ds) != 2 || !got[ids[0]] || !got[ids[1]] {
		t.Fatalf("deliveries of captures %v: got %d for %v, want one each", ids[:2], len(ds), got)
	}
}
