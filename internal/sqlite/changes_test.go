package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/mattn/go-sqlite3"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

// TestMain doubles as the "other process" of the change-stamp tests: with
// KEYRELAY_TEST_SQLITE_CHILD set, the test binary does one thing to the
// database file in KEYRELAY_TEST_SQLITE_DB and exits.
func TestMain(m *testing.M) {
	if what := os.Getenv("KEYRELAY_TEST_SQLITE_CHILD"); what != "" {
		os.Exit(childMain(what, os.Getenv("KEYRELAY_TEST_SQLITE_DB")))
	}
	os.Exit(m.Run())
}

func childMain(what, path string) int {
	busyMs := 10000
	if what == "trywrite" {
		busyMs = 0
	}
	db, err := sql.Open("sqlite3", fmt.Sprintf("file:%s?_busy_timeout=%d&_txlock=immediate", path, busyMs))
	if err != nil {
		fmt.Println("open:", err)
		return 1
	}
	defer db.Close()
	tx, err := db.Begin()
	var se sqlite3.Error
	switch {
	case errors.As(err, &se) && se.Code == sqlite3.ErrBusy:
		fmt.Println("busy")
		return 3
	case err != nil:
		fmt.Println("begin:", err)
		return 1
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`INSERT INTO scratch (x) VALUES (?)`, what); err != nil {
		fmt.Println("insert:", err)
		return 1
	}
	if err := tx.Commit(); err != nil {
		fmt.Println("commit:", err)
		return 1
	}
	fmt.Println("wrote")
	return 0
}

// child runs the test binary as a second process that does what to e's file.
func child(t *testing.T, e *env, what string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KEYRELAY_TEST_SQLITE_CHILD="+what, "KEYRELAY_TEST_SQLITE_DB="+e.db.Path())
	out, err := cmd.CombinedOutput()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out)), code
}

func stamp(t *testing.T, db *sqlite.DB) keyrelay.ChangeStamp {
	t.Helper()
	s := db.ChangeStamp()
	if s == "" {
		t.Fatal("ChangeStamp = \"\" (unknown) on an open database")
	}
	return s
}

func TestChangeStamp(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	if err := sqlite.ExecForTest(e.db, `CREATE TABLE scratch (x TEXT)`); err != nil {
		t.Fatal(err)
	}
	// Another connection on the same file, as another process's would be.
	other, err := sql.Open("sqlite3", "file:"+e.db.Path()+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	otherWrite := func() {
		t.Helper()
		if _, err := other.Exec(`INSERT INTO scratch (x) VALUES ('other')`); err != nil {
			t.Fatal(err)
		}
	}

	s := stamp(t, e.db)
	if got := stamp(t, e.db); !got.Same(s) {
		t.Fatal("two looks with nothing in between differ")
	}

	// What the idle helper does must not read as a change: reads, and a
	// write transaction that changes no row (the outbox's claim).
	mustCreate(t, e, newCapture("111111", "App", testKey))
	s = stamp(t, e.db)
	if _, err := sqlite.NewDeliveryService(e.db).FindDeliveries(ctx, keyrelay.DeliveryFilter{}); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.NewDeliveryService(e.db).WakeWaitingLogin(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sqlite.ExecForTest(e.db, `UPDATE scratch SET x = x WHERE 0`); err != nil {
		t.Fatal(err)
	}
	if got := stamp(t, e.db); !got.Same(s) {
		t.Fatal("a read and a write transaction that changed nothing read as a change")
	}

	// A commit of this process, then of another connection, each do.
	mustCreate(t, e, newCapture("111111", "App", testKey))
	if got := stamp(t, e.db); got.Same(s) {
		t.Fatal("a capture committed by this DB did not change the stamp")
	}
	s = stamp(t, e.db)
	otherWrite()
	if got := stamp(t, e.db); got.Same(s) {
		t.Fatal("a commit by another connection did not change the stamp")
	}

	// Checkpoints change no row and do not count; the commit after each
	// does, also after the WAL was truncated to nothing or restarted.
	for _, mode := range []string{"PASSIVE", "RESTART", "TRUNCATE"} {
		otherWrite()
		s = stamp(t, e.db)
		var busy, logFrames, done int
		if err := other.QueryRow(`PRAGMA wal_checkpoint(`+mode+`)`).Scan(&busy, &logFrames, &done); err != nil || busy != 0 {
			t.Fatalf("%s checkpoint: busy %d, %v", mode, busy, err)
		}
		if mode == "TRUNCATE" && e.db.WALSize() != 0 {
			t.Fatalf("WAL after TRUNCATE: %d bytes", e.db.WALSize())
		}
		if got := stamp(t, e.db); !got.Same(s) {
			t.Errorf("a %s checkpoint read as a change", mode)
		}
		otherWrite()
		if got := stamp(t, e.db); got.Same(s) {
			t.Fatalf("a commit after a %s checkpoint did not change the stamp", mode)
		}
		// And one by this DB: after RESTART it writes the log from its start.
		s = stamp(t, e.db)
		mustCreate(t, e, newCapture("111111", "App", testKey))
		if got := stamp(t, e.db); got.Same(s) {
			t.Fatalf("a capture after a %s checkpoint did not change the stamp", mode)
		}
	}

	// A real second process.
	s = stamp(t, e.db)
	if out, code := child(t, e, "commit"); code != 0 {
		t.Fatalf("child: exit %d: %s", code, out)
	}
	if got := stamp(t, e.db); got.Same(s) {
		t.Fatal("a commit by another process did not change the stamp")
	}

	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	if got := e.db.ChangeStamp(); got != "" {
		t.Fatalf("after Close: stamp %q, want \"\" (unknown)", got)
	}
}

// TestChangeStampKeepsSQLiteLocks: ChangeStamp must never close a
// descriptor of the -shm file while SQLite uses it, since that drops every
// POSIX lock this process holds on the file. Here this process holds the
// write lock (BEGIN IMMEDIATE); another process must still find it taken.
func TestChangeStampKeepsSQLiteLocks(t *testing.T) {
	e := newEnv(t)
	if err := sqlite.ExecForTest(e.db, `CREATE TABLE scratch (x TEXT)`); err != nil {
		t.Fatal(err)
	}
	if out, code := child(t, e, "trywrite"); code != 0 || out != "wrote" {
		t.Fatalf("child with the write lock free: exit %d: %s; want it to write", code, out)
	}
	tx, err := e.db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for range 3 {
		stamp(t, e.db)
	}
	if out, code := child(t, e, "trywrite"); code != 3 || out != "busy" {
		t.Fatalf("child while this process holds the write lock: exit %d: %s; want busy", code, out)
	}
}
