package tray_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/reminder"
	"keyrelay/internal/secret"
	"keyrelay/internal/sqlite"
	"keyrelay/internal/tray"
)

type pauser struct{ paused bool }

func (p *pauser) Pause()       { p.paused = true }
func (p *pauser) Resume()      { p.paused = false }
func (p *pauser) Paused() bool { return p.paused }

func TestServicesOverTheStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sealer, err := secret.Open(dir, secret.ModeFile)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(filepath.Join(dir, "keyrelay.db"), sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }

	captures := sqlite.NewCaptureService(db)
	for i, c := range []struct{ uuid, shop, app, key string }{
		{"0b9f6a2e-1c3d-4e5f-8a7b-000000000001", "111111", "GoQSystem", "SL111111_AbCdEfGh12340001"},
		{"0b9f6a2e-1c3d-4e5f-8a7b-000000000002", "111111", "GoQSystem", "SL111111_AbCdEfGh12340002"},
		{"0b9f6a2e-1c3d-4e5f-8a7b-000000000003", "222222", "Other", "SL222222_AbCdEfGh12340003"},
	} {
		_, _, err := captures.CreateCapture(ctx, &keyrelay.Capture{
			UUID: c.uuid, Shop: keyrelay.ShopRef{ID: c.shop, Name: "店" + c.shop}, AppName: c.app, Expiry: "-",
			CapturedAt: now.Add(time.Duration(i) * time.Minute), Key: c.key,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	pairings := sqlite.NewPairingService(db)
	if err := pairings.CreatePairing(ctx, &keyrelay.Pairing{Name: "Chrome / Linux", Origin: "chrome-extension://" + keyrelay.ExtensionID}, "claim-token-0123456789"); err != nil {
		t.Fatal(err)
	}

	stopped := false
	out := &pauser{}
	s := &tray.Services{
		AlertSource: &reminder.Source{Apps: sqlite.NewAppStatusService(db)},
		Shops:       sqlite.NewShopService(db),
		Captures:    captures,
		Deliveries:  sqlite.NewDeliveryService(db),
		Pairings:    pairings,
		Outbox:      out,
		Login: func(_ context.Context, next string) (string, error) {
			return "http://127.0.0.1:1/login?next=" + next, nil
		},
		Stop: func() { stopped = true },
		Now:  func() time.Time { return now },
	}

	t.Run("latest capture per shop, newest first, with its delivery", func(t *testing.T) {
		got, err := s.LatestPerShop(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("got %+v, want 2 shops", got)
		}
		want := []tray.ShopActivity{
			// Not GoQ's app: its key is never queued for GoQ, so no delivery.
			{ShopName: "店222222", AppName: "Other", KeyLast4: "0003", CapturedAt: now.Add(2 * time.Minute), DeliveryStatus: ""},
			{ShopName: "店111111", AppName: "GoQSystem", KeyLast4: "0002", CapturedAt: now.Add(time.Minute), DeliveryStatus: keyrelay.DeliveryWaitingLogin},
		}
		for i := range want {
			if g := got[i]; g.ShopName != want[i].ShopName || g.AppName != want[i].AppName || g.KeyLast4 != want[i].KeyLast4 ||
				!g.CapturedAt.Equal(want[i].CapturedAt) || g.DeliveryStatus != want[i].DeliveryStatus {
				t.Errorf("shop %d = %+v, want %+v", i, g, want[i])
			}
		}
	})

	t.Run("pending pairings until they expire", func(t *testing.T) {
		got, err := s.PendingPairings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Name != "Chrome / Linux" || len(got[0].Code) != 6 {
			t.Errorf("pending = %+v, want the one request", got)
		}
		later := now.Add(keyrelay.PendingPairingTTL + time.Second)
		s.Now = func() time.Time { return later }
		defer func() { s.Now = func() time.Time { return now } }()
		if got, err := s.PendingPairings(ctx); err != nil || len(got) != 0 {
			t.Errorf("after the TTL: %+v, %v; want none", got, err)
		}
	})

	t.Run("pause, resume, quit and login pass through", func(t *testing.T) {
		s.Pause()
		if !out.paused || !s.Paused() {
			t.Error("Pause did not reach the outbox")
		}
		s.Resume()
		if out.paused {
			t.Error("Resume did not reach the outbox")
		}
		if u, err := s.LoginURL(ctx, "/pairings"); err != nil || u != "http://127.0.0.1:1/login?next=/pairings" {
			t.Errorf("LoginURL = %q, %v", u, err)
		}
		s.Quit()
		if !stopped {
			t.Error("Quit did not stop the helper")
		}
		if s.Problem() != "" {
			t.Errorf("Problem() = %q with no Health, want \"\"", s.Problem())
		}
	})
}
