package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"testing"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

// TestMigrationBindsDefaultToFirstShop upgrades a database from before
// migration 0020, where the only (default) login served every shop: after
// it, the login serves the shop of the oldest delivery only, and a named
// login keeps its shop.
func TestMigrationBindsDefaultToFirstShop(t *testing.T) {
	e := newEnv(t)
	def := setLogin(t, e, "", "shared")
	mustCreate(t, e, newCapture("111111", "GoQSystem", testKey))
	mustCreate(t, e, newCapture("222222", "GoQSystem", testKey))
	e.db.Close()

	// Undo 0020 by hand: the schema and rows a pre-0020 helper left.
	raw, err := sql.Open("sqlite3", filepath.Join(e.dir, "keyrelay.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`DROP TABLE credential_shops`,
		`ALTER TABLE credentials DROP COLUMN auto_bound`,
		`ALTER TABLE credentials DROP COLUMN settings_path`,
		`DELETE FROM migrations WHERE name LIKE '%0020_%'`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()

	e2 := openEnv(t, e.dir)
	if got := shopsOf(t, e2, def.ID); !reflect.DeepEqual(got, []string{"id:111111"}) {
		t.Fatalf("default login's shops after migration: %v", got)
	}
	_, err = sqlite.NewCredentialService(e2.db).FindCredentials(context.Background(), "goq", "id:222222")
	wantCode(t, err, keyrelay.ENOTFOUND)
	// It was bound by the migration, so it does not drift to a third shop.
	c := mustCreate(t, e2, newCapture("333333", "GoQSystem", testKey))
	wantStatus(t, deliveryOf(t, e2, c.ID), keyrelay.DeliveryWaitingLogin)
}
