package ws_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
	"keyrelay/internal/ws"
	"keyrelay/internal/wsclient"
)

// clock is a settable time for the server's rate limits: buckets refill only
// when a test moves it, so counts do not depend on how fast the machine is.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// withClock also lengthens the authentication deadline, which is computed
// from the same clock: a slow machine must not decide these tests.
func withClock(c *clock) func(*ws.Server) {
	return func(s *ws.Server) {
		s.Now = c.Now
		s.Limits.AuthTimeout = time.Hour
	}
}

// pairCode sends pair_request and returns the server's error code ("" when
// the request is pending).
func pairCode(t *testing.T, e *env, c *wsclient.Client) string {
	t.Helper()
	_, err := c.Pair(e.ctx, "flood")
	var se *wsclient.ServerError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &se):
		return se.Code
	}
	t.Fatalf("Pair: %v", err)
	return ""
}

// TestParkedPairingsDoNotCrowdOutPairedClient: 16 connections park on
// pairing requests (the old cap was 16 connections of any kind); the paired
// extension still connects and authenticates, and the parked ones never
// hold more than their own few slots.
func TestParkedPairingsDoNotCrowdOutPairedClient(t *testing.T) {
	clk := &clock{t: time.Now()}
	e := newEnv(t, withClock(clk))
	cr := e.paired(t)

	var parked []*wsclient.Client
	for range 16 {
		c := e.dial(t, chromeOrigin)
		pairCode(t, e, c) // pending or rate limited: either way it stays unauthenticated
		parked = append(parked, c)
	}
	c := e.dial(t, chromeOrigin)
	if err := c.Auth(e.ctx, cr.ClientID, cr.Secret); err != nil {
		t.Fatalf("the paired client was crowded out: %v", err)
	}
	if _, err := c.Status(e.ctx); err != nil {
		t.Fatalf("status after auth: %v", err)
	}
	// All but the newest MaxUnauthed-1 parked connections were evicted (one
	// slot went to the paired client while it authenticated).
	open := 0
	for _, p := range parked {
		select {
		case <-p.Done():
		default:
			open++
		}
	}
	if open > 4 {
		t.Errorf("%d parked connections still open, want at most 4 (the unauthenticated budget)", open)
	}
	ps, err := e.srv.Pairings.FindPairings(e.ctx, keyrelay.PairingFilter{Status: keyrelay.PairingPending})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) > keyrelay.MaxPendingPairings {
		t.Errorf("%d pending pairings, want at most %d", len(ps), keyrelay.MaxPendingPairings)
	}
}

// A new authenticated client gets in even when the authenticated slots are
// full: the oldest authenticated connection makes room.
func TestAuthenticatedAlwaysGetsIn(t *testing.T) {
	e := newEnv(t, func(s *ws.Server) { s.Limits.MaxConns = 2 })
	cr := e.paired(t)
	var conns []*wsclient.Client
	for range 3 {
		c := e.dial(t, chromeOrigin)
		if err := c.Auth(e.ctx, cr.ClientID, cr.Secret); err != nil {
			t.Fatalf("Auth: %v", err)
		}
		conns = append(conns, c)
	}
	assertCloseCode(t, waitClosed(t, conns[0]), websocket.CloseTryAgainLater)
	if _, err := conns[2].Status(e.ctx); err != nil {
		t.Fatalf("newest authenticated connection: %v", err)
	}
}

// TestPairingFlood: pairing requests are rate limited per connection and in
// all, and at most MaxPendingPairings wait at once, the oldest dropped (its
// connection is told).
func TestPairingFlood(t *testing.T) {
	clk := &clock{t: time.Now()}
	e := newEnv(t, withClock(clk), func(s *ws.Server) {
		s.Limits.MaxUnauthed = 32
		s.Limits.PairBurst, s.Limits.PairPerMinute = 2, 1
		s.Limits.PairGlobalBurst, s.Limits.PairGlobalPerMin = 6, 6
	})

	t.Run("per connection", func(t *testing.T) {
		c := e.dial(t, chromeOrigin)
		got := []string{pairCode(t, e, c), pairCode(t, e, c), pairCode(t, e, c)}
		// pending; refused as a second request on the connection (spending a
		// token); then the connection's bucket is empty.
		want := []string{"", protocol.CodeBadMessage, protocol.CodeRateLimited}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("codes %q, want %q", got, want)
			}
		}
	})

	t.Run("all connections", func(t *testing.T) {
		// One global token went to the subtest above; five are left.
		first, err := e.dial(t, chromeOrigin).Pair(e.ctx, "flood")
		if err != nil {
			t.Fatal(err)
		}
		codes := []string{""}
		for range 7 {
			codes = append(codes, pairCode(t, e, e.dial(t, chromeOrigin)))
		}
		want := []string{"", "", "", "", "", protocol.CodeRateLimited, protocol.CodeRateLimited, protocol.CodeRateLimited}
		for i := range want {
			if codes[i] != want[i] {
				t.Fatalf("codes %q, want %q", codes, want)
			}
		}
		// Only the newest MaxPendingPairings wait; the first was dropped and
		// its connection hears so.
		ps, err := e.srv.Pairings.FindPairings(e.ctx, keyrelay.PairingFilter{Status: keyrelay.PairingPending})
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != keyrelay.MaxPendingPairings {
			t.Fatalf("%d pending pairings, want %d", len(ps), keyrelay.MaxPendingPairings)
		}
		ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
		defer cancel()
		_, err = first.Wait(ctx)
		assertServerError(t, err, protocol.CodePairingRejected)
		// A minute later the shared bucket has refilled by PairGlobalPerMin.
		clk.Add(time.Minute)
		c := e.dial(t, chromeOrigin)
		if code := pairCode(t, e, c); code != "" {
			t.Fatalf("after a minute: %q", code)
		}
	})
	if !e.hasAudit(t, keyrelay.AuditRateLimited, "Too many pairing requests") {
		t.Error("rate-limited pairing requests not audited")
	}
}
