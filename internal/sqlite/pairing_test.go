package sqlite_test

import (
	"bytes"
	"context"
	"regexp"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

const origin = "chrome-extension://hmjiaalllchlmocaaeoddlpmanbcflgl"

func TestPairing(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	ps := sqlite.NewPairingService(e.db)
	const token = "claim-token-0123456789"

	p := &keyrelay.Pairing{Name: "Chrome 131 / Linux", Origin: origin}
	if err := ps.CreatePairing(ctx, p, token); err != nil {
		t.Fatal(err)
	}

	t.Run("Created", func(t *testing.T) {
		if !regexp.MustCompile(`^c_[0-9a-f]{16}$`).MatchString(p.ClientID) {
			t.Errorf("client id: got %q", p.ClientID)
		}
		if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(p.Code) {
			t.Errorf("code: got %q", p.Code)
		}
		if p.Status != keyrelay.PairingPending || !p.ExpiresAt.Equal(t0.Add(keyrelay.PendingPairingTTL)) || p.ID == 0 {
			t.Errorf("got %+v", p)
		}
		got, err := ps.FindPairings(ctx, keyrelay.PairingFilter{Code: p.Code})
		if err != nil || len(got) != 1 || got[0].ClientID != p.ClientID || got[0].Status != keyrelay.PairingPending {
			t.Fatalf("got %v (%v)", got, err)
		}
	})

	t.Run("NotYetApproved", func(t *testing.T) {
		_, err := ps.ClaimSecret(ctx, p.ClientID, token)
		wantCode(t, err, keyrelay.EFORBIDDEN)
		_, err = ps.PairingSecret(ctx, p.ClientID)
		wantCode(t, err, keyrelay.EFORBIDDEN)
		if origins, _ := ps.ApprovedOrigins(ctx); len(origins) != 0 {
			t.Fatalf("origins before approval: %v", origins)
		}
	})

	t.Run("ApproveWrongCode", func(t *testing.T) {
		code := "000000"
		if p.Code == code {
			code = "000001"
		}
		_, err := ps.ApprovePairing(ctx, code)
		wantCode(t, err, keyrelay.ENOTFOUND)
	})

	var secret []byte
	t.Run("ApproveAndClaimOnce", func(t *testing.T) {
		e.clock.Add(time.Minute)
		ap, err := ps.ApprovePairing(ctx, p.Code)
		if err != nil {
			t.Fatal(err)
		}
		if ap.Status != keyrelay.PairingApproved || !ap.ApprovedAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("got %+v", ap)
		}
		_, err = ps.ApprovePairing(ctx, p.Code)
		wantCode(t, err, keyrelay.ENOTFOUND)

		_, err = ps.ClaimSecret(ctx, p.ClientID, "wrong-token-0123456789")
		wantCode(t, err, keyrelay.EUNAUTHORIZED)
		secret, err = ps.ClaimSecret(ctx, p.ClientID, token)
		if err != nil {
			t.Fatal(err)
		}
		if len(secret) != 32 {
			t.Fatalf("secret length: got %d, want 32", len(secret))
		}
		// Until the extension authenticates, the token's holder may claim
		// again (the first push may have died with its connection).
		again, err := ps.ClaimSecret(ctx, p.ClientID, token)
		if err != nil || !bytes.Equal(again, secret) {
			t.Fatalf("second claim before auth: %v", err)
		}
		if err := ps.TouchPairing(ctx, p.ClientID); err != nil {
			t.Fatal(err)
		}
		_, err = ps.ClaimSecret(ctx, p.ClientID, token)
		wantCode(t, err, keyrelay.ECONFLICT)

		got, err := ps.PairingSecret(ctx, p.ClientID)
		if err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("pairing secret differs from the claimed one (%v)", err)
		}
		origins, err := ps.ApprovedOrigins(ctx)
		if err != nil || len(origins) != 1 || origins[0] != origin {
			t.Fatalf("origins: %v (%v)", origins, err)
		}
	})

	t.Run("Touch", func(t *testing.T) {
		e.clock.Add(time.Minute)
		if err := ps.TouchPairing(ctx, p.ClientID); err != nil {
			t.Fatal(err)
		}
		got, _ := ps.FindPairings(ctx, keyrelay.PairingFilter{ClientID: p.ClientID})
		if len(got) != 1 || !got[0].LastSeenAt.Equal(t0.Add(2*time.Minute)) {
			t.Fatalf("got %+v", got)
		}
		wantCode(t, ps.TouchPairing(ctx, "c_unknown"), keyrelay.ENOTFOUND)
	})

	t.Run("Revoke", func(t *testing.T) {
		if err := ps.RevokePairing(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		_, err := ps.PairingSecret(ctx, p.ClientID)
		wantCode(t, err, keyrelay.EFORBIDDEN)
		if origins, _ := ps.ApprovedOrigins(ctx); len(origins) != 0 {
			t.Fatalf("origins after revoke: %v", origins)
		}
		got, _ := ps.FindPairings(ctx, keyrelay.PairingFilter{Status: keyrelay.PairingRevoked})
		if len(got) != 1 || got[0].RevokedAt.IsZero() {
			t.Fatalf("got %+v", got)
		}
		wantCode(t, ps.RevokePairing(ctx, 999), keyrelay.ENOTFOUND)
	})

	t.Run("Expiry", func(t *testing.T) {
		q := &keyrelay.Pairing{Name: "Edge", Origin: origin}
		if err := ps.CreatePairing(ctx, q, token); err != nil {
			t.Fatal(err)
		}
		e.clock.Add(keyrelay.PendingPairingTTL)
		got, err := ps.FindPairings(ctx, keyrelay.PairingFilter{Status: keyrelay.PairingExpired})
		if err != nil || len(got) != 1 || got[0].ClientID != q.ClientID {
			t.Fatalf("got %v (%v)", got, err)
		}
		if pending, _ := ps.FindPairings(ctx, keyrelay.PairingFilter{Status: keyrelay.PairingPending}); len(pending) != 0 {
			t.Fatalf("expired pairing listed as pending: %v", pending)
		}
		_, err = ps.ApprovePairing(ctx, q.Code)
		wantCode(t, err, keyrelay.ENOTFOUND)
		_, err = ps.ClaimSecret(ctx, q.ClientID, token)
		wantCode(t, err, keyrelay.EFORBIDDEN)
	})

	t.Run("Invalid", func(t *testing.T) {
		wantCode(t, ps.CreatePairing(ctx, &keyrelay.Pairing{Origin: origin}, "short"), keyrelay.EINVALID)
		wantCode(t, ps.CreatePairing(ctx, &keyrelay.Pairing{}, token), keyrelay.EINVALID)
		wantCode(t, ps.CreatePairing(ctx, &keyrelay.Pairing{ClientID: p.ClientID, Origin: origin}, token), keyrelay.ECONFLICT)
	})

	t.Run("CodesUniqueAmongPending", func(t *testing.T) {
		seen := map[string]bool{}
		for range 50 {
			q := &keyrelay.Pairing{Origin: origin}
			if err := ps.CreatePairing(ctx, q, token); err != nil {
				t.Fatal(err)
			}
			if seen[q.Code] {
				t.Fatalf("code %s issued twice among pending", q.Code)
			}
			seen[q.Code] = true
		}
	})
}
