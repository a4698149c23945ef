package sqlite_test

import (
	"context"
	"testing"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

// TestBrowserAccount: switching a shop with a GoQ login to browser mode
// keeps that login's ID as the shop's expected GoQ account (the password
// goes); a shop switched without a login has none; the operator's
// confirmation pins an account only when none is set; setting it wakes the
// shop's deliveries that wait for the account and leaves other shops alone;
// a shop in helper mode takes no account.
func TestBrowserAccount(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	modes := sqlite.NewDeliveryModeService(e.db)
	creds := sqlite.NewCredentialService(e.db)
	shopA, shopB := keyrelay.ShopRef{ID: "123456"}.Key(), keyrelay.ShopRef{ID: "654321"}.Key()
	if err := creds.SetCredentials(ctx, &keyrelay.Credentials{Destination: "goq", ShopKey: shopA, LoginID: "goq-shop-a", Password: secretPassword}); err != nil {
		t.Fatal(err)
	}
	if _, err := modes.SetBrowserAccount(ctx, "goq", shopA, "goq-shop-a", false); keyrelay.ErrorCode(err) != keyrelay.EINVALID {
		t.Fatalf("an account for a shop in helper mode: %v, want EINVALID", err)
	}
	for _, k := range []string{shopA, shopB} {
		if _, err := modes.SetDeliveryMode(ctx, "goq", k, keyrelay.DeliveryModeBrowser); err != nil {
			t.Fatal(err)
		}
	}
	if a, err := modes.BrowserAccount(ctx, "goq", shopA); err != nil || a != "goq-shop-a" {
		t.Fatalf("shop A's account after the switch: %q, %v; want its login ID", a, err)
	}
	if _, err := creds.FindCredentials(ctx, "goq", shopA); keyrelay.ErrorCode(err) != keyrelay.ENOTFOUND {
		t.Fatalf("shop A still has a login: %v", err)
	}
	if a, err := modes.BrowserAccount(ctx, "goq", shopB); err != nil || a != "" {
		t.Fatalf("shop B (no login) has account %q, %v; want none", a, err)
	}
	// A confirmation never replaces a set account.
	if _, err := modes.SetBrowserAccount(ctx, "goq", shopA, "goq-shop-b", true); keyrelay.ErrorCode(err) != keyrelay.ECONFLICT {
		t.Fatalf("confirming over a set account: %v, want ECONFLICT", err)
	}
	for _, bad := range []string{"", "goq shop", "店舗B"} {
		if _, err := modes.SetBrowserAccount(ctx, "goq", shopB, bad, true); keyrelay.ErrorCode(err) != keyrelay.EINVALID {
			t.Fatalf("account %q: %v, want EINVALID", bad, err)
		}
	}

	// Shop B's and shop A's keys wait for the account.
	ds := sqlite.NewDeliveryService(e.db)
	mustCreate(t, e, newCapture("654321", "GoQSystem", testKey))
	mustCreate(t, e, newCapture("123456", "GoQSystem", testKey))
	claimed, err := ds.ClaimDue(ctx, e.clock.Now(), 60e9, 4)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claim: %v, %d", err, len(claimed))
	}
	for _, d := range claimed {
		if _, err := ds.RecordAttempt(ctx, d.ID, &keyrelay.DeliveryAttempt{Result: keyrelay.DeliveryWaitingAccount, Error: "GoQアカウント待ち", LoginID: "goq-shop-b"}, t0); err != nil {
			t.Fatal(err)
		}
	}
	n, err := modes.SetBrowserAccount(ctx, "goq", shopB, "ｇｏｑ－ｓｈｏｐ－ｂ", true)
	if err != nil || n != 1 {
		t.Fatalf("confirming shop B's account woke %d (%v), want 1", n, err)
	}
	if a, _ := modes.BrowserAccount(ctx, "goq", shopB); a != "goq-shop-b" {
		t.Fatalf("shop B's account %q, want goq-shop-b (normalised)", a)
	}
	for _, d := range claimed {
		got, _ := ds.FindDeliveryByID(ctx, d.ID)
		want := keyrelay.DeliveryWaitingAccount
		if d.ID == claimed[0].ID { // shop B's, created first
			want = keyrelay.DeliveryPending
		}
		if got.Status != want {
			t.Errorf("delivery %d: %s, want %s", d.ID, got.Status, want)
		}
	}
	// The operator changes shop A's account on purpose: allowed, and A's
	// waiting delivery goes.
	if n, err := modes.SetBrowserAccount(ctx, "goq", shopA, "goq-shop-a2", false); err != nil || n != 1 {
		t.Fatalf("changing shop A's account woke %d (%v), want 1", n, err)
	}
	ms, err := modes.ListDeliveryModes(ctx, "goq")
	if err != nil || len(ms) != 2 || ms[0].Account != "goq-shop-a2" || ms[1].Account != "goq-shop-b" {
		t.Fatalf("list: %+v, %v", ms, err)
	}
	// Back to helper mode and browser again: the account stays.
	for _, m := range []string{keyrelay.DeliveryModeHelper, keyrelay.DeliveryModeBrowser} {
		if _, err := modes.SetDeliveryMode(ctx, "goq", shopA, m); err != nil {
			t.Fatal(err)
		}
	}
	if a, _ := modes.BrowserAccount(ctx, "goq", shopA); a != "goq-shop-a2" {
		t.Fatalf("shop A's account after helper and back: %q", a)
	}
}
