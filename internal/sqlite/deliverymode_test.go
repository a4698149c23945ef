package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

// TestBrowserModeLeavesNoPassword: a shop whose GoQ login was set switches
// to browser mode; afterwards neither the password nor its ciphertext is in
// any file of the data dir, and its deliveries no longer wait for a login.
func TestBrowserModeLeavesNoPassword(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	shop := keyrelay.ShopRef{ID: "123456"}.Key()
	creds := sqlite.NewCredentialService(e.db)
	if err := creds.SetCredentials(ctx, &keyrelay.Credentials{Destination: "goq", ShopKey: shop, LoginID: "shop-admin", Password: secretPassword}); err != nil {
		t.Fatal(err)
	}
	// Another shop's login must stay.
	other := keyrelay.ShopRef{ID: "654321"}.Key()
	if err := creds.SetCredentials(ctx, &keyrelay.Credentials{Destination: "goq", ShopKey: other, LoginID: "other-admin", Password: "other-password-99"}); err != nil {
		t.Fatal(err)
	}
	var sealed []byte
	raw, err := sql.Open("sqlite3", "file:"+filepath.Join(e.dir, "keyrelay.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.QueryRow(`SELECT password_sealed FROM credentials WHERE shop_key = ?`, shop).Scan(&sealed); err != nil || len(sealed) < 16 {
		t.Fatalf("the sealed password to look for: %v (%d bytes)", err, len(sealed))
	}
	raw.Close()

	modes := sqlite.NewDeliveryModeService(e.db)
	if mode, err := modes.DeliveryMode(ctx, "goq", shop); err != nil || mode != keyrelay.DeliveryModeHelper {
		t.Fatalf("default mode %q, %v; want helper", mode, err)
	}
	if _, err := modes.SetDeliveryMode(ctx, "goq", shop, keyrelay.DeliveryModeBrowser); err != nil {
		t.Fatal(err)
	}
	if mode, _ := modes.DeliveryMode(ctx, "goq", shop); mode != keyrelay.DeliveryModeBrowser {
		t.Fatalf("mode %q after set-mode browser", mode)
	}
	if _, err := creds.FindCredentials(ctx, "goq", shop); keyrelay.ErrorCode(err) != keyrelay.ENOTFOUND {
		t.Fatalf("the shop still has a login: %v", err)
	}
	if c, err := creds.FindCredentials(ctx, "goq", other); err != nil || c.Password != "other-password-99" {
		t.Fatalf("the other shop lost its login: %v", err)
	}
	// A capture of the browser-mode shop is due at once, not waiting for a
	// login.
	c := mustCreate(t, e, newCapture("123456", "GoQSystem", testKey))
	ds, err := sqlite.NewDeliveryService(e.db).FindDeliveries(ctx, keyrelay.DeliveryFilter{CaptureID: c.ID})
	if err != nil || len(ds) != 1 || ds[0].Status != keyrelay.DeliveryPending {
		t.Fatalf("deliveries %+v, %v; want one pending", ds, err)
	}

	scan := func(t *testing.T) {
		n := 0
		err := filepath.WalkDir(e.dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			n++
			if bytes.Contains(b, []byte(secretPassword)) {
				t.Errorf("%s holds the GoQ password", filepath.Base(p))
			}
			if bytes.Contains(b, sealed) {
				t.Errorf("%s still holds the sealed GoQ password", filepath.Base(p))
			}
			return nil
		})
		if err != nil || n < 2 {
			t.Fatalf("scanned %d files: %v", n, err)
		}
	}
	t.Run("while open", scan)
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	t.Run("after close", scan)
}

func TestWakeWaitingBrowserOnlyThatBrowser(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	modes := sqlite.NewDeliveryModeService(e.db)
	if _, err := modes.SetDeliveryMode(ctx, "goq", keyrelay.ShopRef{ID: "123456"}.Key(), keyrelay.DeliveryModeBrowser); err != nil {
		t.Fatal(err)
	}
	if _, err := modes.SetDeliveryMode(ctx, "goq", "", keyrelay.DeliveryModeBrowser); keyrelay.ErrorCode(err) != keyrelay.EINVALID {
		t.Fatalf("a mode for no shop: %v, want EINVALID", err)
	}
	if _, err := modes.SetDeliveryMode(ctx, "goq", "id:1", "password"); keyrelay.ErrorCode(err) != keyrelay.EINVALID {
		t.Fatalf("an unknown mode: %v, want EINVALID", err)
	}
	c := mustCreate(t, e, newCapture("123456", "GoQSystem", testKey))
	ds := sqlite.NewDeliveryService(e.db)
	claimed, err := ds.ClaimDue(ctx, e.clock.Now(), 60e9, 4)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v, %d", err, len(claimed))
	}
	if _, err := ds.RecordAttempt(ctx, claimed[0].ID, &keyrelay.DeliveryAttempt{Result: keyrelay.DeliveryWaitingBrowser, Error: "ブラウザ待ち"}, t0); err != nil {
		t.Fatal(err)
	}
	if n, err := modes.WakeWaitingBrowser(ctx, "c_someone_else"); err != nil || n != 0 {
		t.Fatalf("another browser woke %d deliveries (%v)", n, err)
	}
	if n, err := modes.WakeWaitingBrowser(ctx, c.ClientID); err != nil || n != 1 {
		t.Fatalf("the capturing browser woke %d deliveries (%v), want 1", n, err)
	}
	d, _ := ds.FindDeliveryByID(ctx, claimed[0].ID)
	if d.Status != keyrelay.DeliveryPending || d.Attempts != 1 {
		t.Fatalf("after wake: %s, %d attempts", d.Status, d.Attempts)
	}
}
