package sqlite_test

import (
	"context"
	"fmt"
	"testing"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

func newPending(t *testing.T, ps *sqlite.PairingService, name string) *keyrelay.Pairing {
	t.Helper()
	p := &keyrelay.Pairing{Name: name, Origin: "chrome-extension://" + keyrelay.ExtensionID}
	if err := ps.CreatePairing(context.Background(), p, "claim-token-"+name+"-0123456789"); err != nil {
		t.Fatal(err)
	}
	return p
}

// At most MaxPendingPairings wait at once: a new request drops the oldest.
// Expired requests are deleted, not kept.
func TestPendingPairingsCapped(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	ps := sqlite.NewPairingService(e.db)
	stale := newPending(t, ps, "stale")
	e.clock.Add(keyrelay.PendingPairingTTL)
	var made []*keyrelay.Pairing
	for i := range keyrelay.MaxPendingPairings + 2 {
		made = append(made, newPending(t, ps, fmt.Sprintf("p%d", i)))
	}
	all, err := ps.FindPairings(ctx, keyrelay.PairingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != keyrelay.MaxPendingPairings {
		t.Fatalf("%d pairings stored, want %d", len(all), keyrelay.MaxPendingPairings)
	}
	for _, p := range all {
		if p.ClientID == stale.ClientID || p.ClientID == made[0].ClientID || p.ClientID == made[1].ClientID {
			t.Errorf("%s (%s) should have been dropped", p.Name, p.Status)
		}
	}
	// Approved pairings are never dropped to make room.
	if _, err := ps.ApprovePairing(ctx, made[4].Code); err != nil {
		t.Fatal(err)
	}
	for i := range keyrelay.MaxPendingPairings + 1 {
		newPending(t, ps, fmt.Sprintf("q%d", i))
	}
	if got, _ := ps.FindPairings(ctx, keyrelay.PairingFilter{ClientID: made[4].ClientID}); len(got) != 1 || got[0].Status != keyrelay.PairingApproved {
		t.Errorf("the approved pairing is gone: %+v", got)
	}
}

// Two pending requests with one code: approving either could hand the
// secret to someone else, so neither is approved.
func TestApproveRefusesAmbiguousCode(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	ps := sqlite.NewPairingService(e.db)
	a := newPending(t, ps, "mine")
	b := newPending(t, ps, "theirs")
	// The unique index on pending codes makes this impossible through the
	// service; approval still checks, in case a store ever holds two.
	if err := sqlite.ExecForTest(e.db, `DROP INDEX pairings_pending_code`); err != nil {
		t.Fatal(err)
	}
	if err := sqlite.ExecForTest(e.db, fmt.Sprintf(`UPDATE pairings SET code = '%s' WHERE client_id = '%s'`, a.Code, b.ClientID)); err != nil {
		t.Fatal(err)
	}
	_, err := ps.ApprovePairing(ctx, a.Code)
	wantCode(t, err, keyrelay.ECONFLICT)
	if ja, _ := keyrelay.ErrorMessage(err); ja == "" {
		t.Error("no message for the operator")
	}
	got, _ := ps.FindPairings(ctx, keyrelay.PairingFilter{Status: keyrelay.PairingApproved})
	if len(got) != 0 {
		t.Fatalf("approved %d pairings on an ambiguous code", len(got))
	}
}
