package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

func TestCheckpointAfterWrites(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	// Open leaves the WAL empty or small; start from a truncated one.
	for range 3 {
		if _, err := e.db.CheckpointAfterWrites(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := e.db.CheckpointAfterWrites(ctx); err != nil || got.Mode != "" {
		t.Fatalf("idle with an empty WAL: got %+v, %v; want nothing done", got, err)
	}
	for i := range 50 {
		mustCreate(t, e, newCapture("111111", fmt.Sprintf("App%d", i%3), testKey))
	}
	if e.db.WALSize() == 0 {
		t.Fatal("50 captures left no WAL")
	}

	// A small WAL is kept once checkpointed (RESTART): the next commits
	// overwrite its blocks from the start instead of growing the file.
	steps := []string{"PASSIVE", "RESTART", ""}
	for i, want := range steps {
		got, err := e.db.CheckpointAfterWrites(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.Mode != want || got.Busy {
			t.Fatalf("tick %d: got %+v, want mode %q, not busy", i, got, want)
		}
	}
	kept := e.db.WALSize()
	if kept == 0 || kept > sqlite.JournalSizeLimit {
		t.Fatalf("WAL after RESTART: %d bytes, want it kept (0 < size <= %d)", kept, sqlite.JournalSizeLimit)
	}
	mustCreate(t, e, newCapture("111111", "App0", testKey))
	if n := e.db.WALSize(); n != kept {
		t.Fatalf("a capture after RESTART grew the WAL from %d to %d bytes; want it written from the start", kept, n)
	}

	t.Run("ATransactionThatWritesNothingDoesNotCount", func(t *testing.T) {
		mustCreate(t, e, newCapture("111111", "App0", testKey))
		if got, _ := e.db.CheckpointAfterWrites(ctx); got.Mode != "PASSIVE" {
			t.Fatalf("after a capture: %+v, want PASSIVE", got)
		}
		// The outbox's poll: a write transaction that changes no row.
		if err := sqlite.ExecForTest(e.db, `UPDATE deliveries SET status = status WHERE 0`); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.db.CheckpointAfterWrites(ctx); got.Mode != "RESTART" {
			t.Fatalf("after an empty write: %+v, want RESTART", got)
		}
	})

	t.Run("ABurstsWALIsTruncated", func(t *testing.T) {
		for i := 0; e.db.WALSize() <= sqlite.JournalSizeLimit; i++ {
			if i > 5000 {
				t.Fatalf("5000 captures left a WAL of %d bytes", e.db.WALSize())
			}
			mustCreate(t, e, newCapture("111112", fmt.Sprintf("App%d", i%7), testKey))
		}
		for i, want := range []string{"PASSIVE", "TRUNCATE", ""} {
			if got, err := e.db.CheckpointAfterWrites(ctx); err != nil || got.Mode != want || got.Busy {
				t.Fatalf("tick %d: got %+v, %v; want mode %q, not busy", i, got, err, want)
			}
		}
		if n := e.db.WALSize(); n != 0 {
			t.Fatalf("WAL after TRUNCATE: %d bytes, want 0", n)
		}
	})
}

// A reader that holds a snapshot must not be waited for long, and the WAL is
// checkpointed fully at the first tick after it ends.
func TestCheckpointRetriesAfterAReader(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	mustCreate(t, e, newCapture("111111", "App0", testKey))

	tx, err := e.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM captures`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, e, newCapture("111111", "App1", testKey))

	if got, _ := e.db.CheckpointAfterWrites(ctx); got.Mode != "PASSIVE" {
		t.Fatalf("tick 1: %+v, want PASSIVE", got)
	}
	got, err := e.db.CheckpointAfterWrites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Mode != "RESTART" || !got.Busy {
		t.Fatalf("tick 2 with a reader: %+v; want a busy RESTART", got)
	}
	tx.Rollback()
	if got, _ := e.db.CheckpointAfterWrites(ctx); got.Mode != "RESTART" || got.Busy {
		t.Fatalf("tick 3 after the reader: %+v; want RESTART done", got)
	}
	if got, _ := e.db.CheckpointAfterWrites(ctx); got.Mode != "" {
		t.Fatalf("tick 4: %+v; want nothing left to do", got)
	}
}

func TestJournalSizeLimit(t *testing.T) {
	e := newEnv(t)
	tx, err := e.db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var limit int64
	if err := tx.QueryRow(`PRAGMA journal_size_limit`).Scan(&limit); err != nil {
		t.Fatal(err)
	}
	if limit != sqlite.JournalSizeLimit {
		t.Fatalf("journal_size_limit = %d, want %d", limit, sqlite.JournalSizeLimit)
	}
}

func TestReleaseMemoryKeepsTheDatabaseUsable(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	mustCreate(t, e, newCapture("111111", "App0", testKey))
	if err := e.db.ReleaseMemory(ctx); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, e, newCapture("111111", "App1", testKey))
	if _, total, err := sqlite.NewCaptureService(e.db).FindCaptures(ctx, keyrelay.CaptureFilter{}); err != nil || total != 2 {
		t.Fatalf("after ReleaseMemory: total %d, %v; want 2", total, err)
	}
}
