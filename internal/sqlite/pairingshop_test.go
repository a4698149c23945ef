package sqlite_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"keyrelay/internal/sqlite"
)

// A browser's shops are those it listed and those it captured: the capture's
// own transaction records them (no separate write), and captures stored
// before migration 0032 count too.
func TestPairingShopKeysFromCaptures(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ps := sqlite.NewPairingShopService(e.db)
	a := newCapture("100001", "App", testKey)
	a.ClientID = "c_a"
	mustCreate(t, e, a)
	b := newCapture("100002", "App", testKey)
	b.ClientID = "c_b"
	mustCreate(t, e, b)
	again := newCapture("100001", "Other", testKey)
	again.ClientID = "c_a"
	mustCreate(t, e, again)
	if err := ps.TouchPairingShop(ctx, "c_a", "id:100003"); err != nil {
		t.Fatal(err)
	}
	got, err := ps.PairingShopKeys(ctx, "c_a")
	if err != nil {
		t.Fatal(err)
	}
	if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, []string{"id:100001", "id:100003"}) {
		t.Fatalf("c_a's shops: %v", keys)
	}

	// Captures from before the summary existed: drop it, rebuild it as the
	// migration does.
	if err := sqlite.ExecForTest(e.db, `DELETE FROM capture_clients`); err != nil {
		t.Fatal(err)
	}
	if err := sqlite.ExecForTest(e.db, `INSERT INTO capture_clients (client_id, shop_id) SELECT DISTINCT client_id, shop_id FROM captures`); err != nil {
		t.Fatal(err)
	}
	got, err = ps.PairingShopKeys(ctx, "c_b")
	if err != nil {
		t.Fatal(err)
	}
	if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, []string{"id:100002"}) {
		t.Fatalf("c_b's shops: %v", keys)
	}
}
