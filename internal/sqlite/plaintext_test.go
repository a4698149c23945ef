package sqlite_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

// The key and password in these tests appear nowhere except as ciphertext.
const (
	secretKey      = "SL987654_PlAiNtExTsEnTiN9"
	secretPassword = "GoQ-pass-w0rd-sentinel"
)

func TestFileModes(t *testing.T) {
	e := newEnv(t)
	mustCreate(t, e, newCapture("123456", "GoQSystem", testKey))
	for _, name := range []string{"keyrelay.db", "keyrelay.db-wal", "keyrelay.db-shm", "data.key"} {
		t.Run(name, func(t *testing.T) {
			fi, err := os.Stat(filepath.Join(e.dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := fi.Mode().Perm(), os.FileMode(0o600); got != want {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
}

func TestExistingLooseFileTightened(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keyrelay.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	openEnv(t, dir)
	fi, _ := os.Stat(path)
	if got, want := fi.Mode().Perm(), os.FileMode(0o600); got != want {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestNoPlaintextAtRest(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	if err := sqlite.NewCredentialService(e.db).SetCredentials(ctx, &keyrelay.Credentials{
		Destination: "goq", LoginID: "shop", Password: secretPassword,
	}); err != nil {
		t.Fatal(err)
	}
	c := mustCreate(t, e, newCapture("987654", "GoQSystem", secretKey))
	if key, err := sqlite.NewCaptureService(e.db).RevealKey(ctx, c.ID); err != nil || key != secretKey {
		t.Fatalf("the key is not stored at all: %v", err)
	}

	// Fragments catch a key stored split, reversed or encoded naively.
	needles := [][]byte{
		[]byte(secretKey), []byte(secretKey[:12]), []byte(secretKey[9:]),
		[]byte(secretPassword), []byte(secretPassword[4:]),
	}
	scanDir := func(t *testing.T) {
		t.Helper()
		var scanned int
		err := filepath.WalkDir(e.dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			scanned++
			for i, n := range needles {
				if bytes.Contains(b, n) {
					t.Errorf("%s contains secret fragment #%d", filepath.Base(path), i)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if scanned < 2 {
			t.Fatalf("scanned %d files; the test is not looking at the data dir", scanned)
		}
	}

	t.Run("FilesWhileOpen", func(t *testing.T) {
		if _, err := os.Stat(filepath.Join(e.dir, "keyrelay.db-wal")); err != nil {
			t.Fatalf("no WAL to scan: %v", err)
		}
		scanDir(t)
	})

	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}

	t.Run("FilesAfterClose", scanDir)

	t.Run("Dump", func(t *testing.T) {
		if _, err := os.Stat("/usr/bin/sqlite3"); err != nil {
			t.Skip("sqlite3 CLI not installed")
		}
		out, err := exec.Command("/usr/bin/sqlite3", filepath.Join(e.dir, "keyrelay.db"), ".dump").CombinedOutput()
		if err != nil {
			t.Fatalf("sqlite3 .dump: %v: %s", err, out)
		}
		if !bytes.Contains(out, []byte("INSERT INTO captures")) || !bytes.Contains(out, []byte(c.UUID)) {
			t.Fatalf("the dump does not hold the capture; the check below would prove nothing:\n%s", out)
		}
		for i, n := range needles {
			if bytes.Contains(out, n) {
				t.Errorf("dump contains secret fragment #%d", i)
			}
		}
	})
}

func TestMigrations(t *testing.T) {
	dir := t.TempDir()
	e := openEnv(t, dir)
	mustCreate(t, e, newCapture("123456", "GoQSystem", testKey))
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopening applies nothing twice and keeps the data.
	again := openEnv(t, dir)
	_, total, err := sqlite.NewCaptureService(again.db).FindCaptures(context.Background(), keyrelay.CaptureFilter{})
	if err != nil || total != 1 {
		t.Fatalf("after reopen: %d captures (%v)", total, err)
	}
	if err := again.db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/usr/bin/sqlite3"); err != nil {
		t.Skip("sqlite3 CLI not installed")
	}
	out, err := exec.Command("/usr/bin/sqlite3", filepath.Join(dir, "keyrelay.db"),
		"SELECT COUNT(*), COUNT(DISTINCT name), MIN(name) FROM migrations; PRAGMA journal_mode; PRAGMA foreign_key_list(captures);").CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	files, _ := filepath.Glob("migrations/*.sql")
	if got, want := string(lines[0]), fmt.Sprintf("%d|%d|migrations/0001_shops.sql", len(files), len(files)); len(files) < 7 || got != want {
		t.Errorf("migrations: got %q, want %q", got, want)
	}
	if got, want := string(lines[1]), "wal"; got != want {
		t.Errorf("journal mode: got %q, want %q", got, want)
	}
	if len(lines) < 3 || !bytes.Contains(lines[2], []byte("shops")) {
		t.Errorf("captures has no foreign key to shops: %s", out)
	}
}

func TestForeignKeysEnforced(t *testing.T) {
	e := newEnv(t)
	err := sqlite.NewDeliveryService(e.db).RetryNow(context.Background(), 1)
	wantCode(t, err, keyrelay.ENOTFOUND)
	if err := sqlite.ExecForTest(e.db, `INSERT INTO deliveries (capture_id, shop_id, destination, status, created_at, updated_at) VALUES (42, 42, 'goq', 'pending', '', '')`); err == nil {
		t.Fatal("a delivery for a missing capture was inserted: foreign_keys is off")
	}
}
