package sqlite_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/secret"
	"keyrelay/internal/sqlite"
)

// A database a newer keyrelay migrated is refused with a clear message, not
// opened and written with rules this binary does not know.
func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	e := openEnv(t, dir)
	if err := sqlite.ExecForTest(e.db, `INSERT INTO migrations (name, applied_at) VALUES ('migrations/9999_from_the_future.sql', '')`); err != nil {
		t.Fatal(err)
	}
	e.db.Close()
	sealer, err := secret.Open(dir, secret.ModeFile)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(filepath.Join(dir, "keyrelay.db"), sealer)
	if err == nil {
		db.Close()
		t.Fatal("opened a database with a migration this binary does not have")
	}
	var ke *keyrelay.Error
	if !errors.As(err, &ke) || !strings.Contains(ke.MessageEn, "9999_from_the_future.sql") || !strings.Contains(ke.Message, "新しいバージョン") {
		t.Fatalf("err = %v, want a message naming the unknown migration", err)
	}
}
