package tray

import (
	"context"
	"fmt"
	"sort"
	"time"

	"keyrelay/internal/keyrelay"
)

// Pauser is the outbox's pause switch (outbox.Worker implements it).
type Pauser interface {
	Pause()
	Resume()
	Paused() bool
}

// Services is a Core over keyrelay's services, so the helper only has to fill
// in fields. Every field but Health may not be nil.
type Services struct {
	AlertSource keyrelay.AlertSource
	Shops       keyrelay.ShopService
	Captures    keyrelay.CaptureService
	Deliveries  keyrelay.DeliveryService
	Pairings    keyrelay.PairingService
	Outbox      Pauser
	// Login mints a one-time login URL that lands on next.
	Login func(ctx context.Context, next string) (string, error)
	// Health says what is wrong with the helper, "" when nothing; nil means
	// always healthy.
	Health func() string
	// Stop ends the helper (cancels run's context).
	Stop func()
	Now  func() time.Time // nil: time.Now
}

var _ Core = (*Services)(nil)

func (s *Services) Alerts(ctx context.Context, now time.Time) ([]keyrelay.Alert, error) {
	return s.AlertSource.Alerts(ctx, now)
}

func (s *Services) Problem() string {
	if s.Health == nil {
		return ""
	}
	return s.Health()
}

// LatestPerShop lists each shop's newest capture, newest first.
func (s *Services) LatestPerShop(ctx context.Context) ([]ShopActivity, error) {
	shops, err := s.Shops.FindShops(ctx)
	if err != nil {
		return nil, fmt.Errorf("tray: shops: %w", err)
	}
	var out []ShopActivity
	for _, sh := range shops {
		id := sh.ID
		caps, _, err := s.Captures.FindCaptures(ctx, keyrelay.CaptureFilter{ShopID: &id, Limit: 1})
		if err != nil {
			return nil, fmt.Errorf("tray: captures of shop %d: %w", id, err)
		}
		if len(caps) == 0 {
			continue
		}
		c := caps[0]
		a := ShopActivity{ShopName: sh.DisplayName(), AppName: c.AppName, KeyLast4: c.KeyLast4, CapturedAt: c.CapturedAt}
		ds, err := s.Deliveries.FindDeliveries(ctx, keyrelay.DeliveryFilter{CaptureID: c.ID})
		if err != nil {
			return nil, fmt.Errorf("tray: deliveries of capture %d: %w", c.ID, err)
		}
		var latest *keyrelay.Delivery
		for _, d := range ds {
			if latest == nil || d.ID > latest.ID {
				latest = d
			}
		}
		if latest != nil {
			a.DeliveryStatus = latest.Status
		}
		out = append(out, a)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CapturedAt.After(out[j].CapturedAt) })
	return out, nil
}

// PendingPairings lists requests still open for approval.
func (s *Services) PendingPairings(ctx context.Context) ([]*keyrelay.Pairing, error) {
	ps, err := s.Pairings.FindPairings(ctx, keyrelay.PairingFilter{Status: keyrelay.PairingPending})
	if err != nil {
		return nil, fmt.Errorf("tray: pairings: %w", err)
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	var out []*keyrelay.Pairing
	for _, p := range ps {
		if p.ExpiresAt.IsZero() || p.ExpiresAt.After(now) {
			out = append(out, p)
		}
	}
	return out, nil
}

func (s *Services) LoginURL(ctx context.Context, next string) (string, error) {
	return s.Login(ctx, next)
}

func (s *Services) Paused() bool { return s.Outbox.Paused() }
func (s *Services) Pause()       { s.Outbox.Pause() }
func (s *Services) Resume()      { s.Outbox.Resume() }
func (s *Services) Quit()        { s.Stop() }
