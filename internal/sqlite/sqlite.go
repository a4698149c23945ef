// Package sqlite stores keyrelay's domain in one SQLite file (mattn/go-sqlite3)
// and implements the service interfaces of package keyrelay.
//
// Every service method has the same shape: begin a tx (which fixes "now"
// once), defer its rollback, call small unexported helpers that take the tx,
// commit. Secrets go through the keyrelay.Sealer before they reach SQL.
//
// The helper, `keyrelay pair approve` and `keyrelay open` open the same file
// at once: WAL lets readers run beside the writer, write transactions start
// with BEGIN IMMEDIATE so they queue (busy_timeout) instead of failing to
// upgrade, and migrations re-check inside their tx.
package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/mattn/go-sqlite3"

	"keyrelay/internal/keyrelay"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// BusyTimeout is how long a statement waits for another process's write.
const BusyTimeout = 10 * time.Second

// DB is the keyrelay database. Writes go through one connection (so a
// write tx must never start another write tx: it would wait forever), reads
// through a small read-only pool.
type DB struct {
	path   string
	db     *sql.DB // writes: BEGIN IMMEDIATE, one connection
	ro     *sql.DB // reads: deferred, query_only
	sealer keyrelay.Sealer

	// owner tags the delivery leases this process takes, so ReleaseLeases
	// returns only its own.
	owner string

	// Now is the clock; tests set it. Transactions read it once.
	Now func() time.Time

	// Destinations are the outbox destinations (keyrelay.Destination.Name)
	// that get one delivery row per capture.
	Destinations []string

	ckptDSN string // a connection of its own for checkpoints (wal.go)
	ckpt    checkpointState

	index textIndexState // the text index's indexer (textindex.go)

	shm shmWatch // ChangeStamp's view of the -shm file (changes.go)
}

// Open opens (creating if needed) the database at path, applies pending
// migrations and returns it. The file is created 0600 before SQLite sees it.
func Open(path string, sealer keyrelay.Sealer) (*DB, error) {
	if sealer == nil {
		return nil, fmt.Errorf("sqlite: open: nil sealer")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	f.Close()
	if err := os.Chmod(path, 0o600); err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}

	owner := make([]byte, 8)
	if _, err := rand.Read(owner); err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	db := &DB{
		path:         path,
		sealer:       sealer,
		owner:        hex.EncodeToString(owner),
		Now:          time.Now,
		Destinations: []string{"goq"},
	}
	db.index.wake = make(chan struct{}, 1)

	dsn := func(cacheKiB int) string {
		return "file:" + (&url.URL{Path: path}).EscapedPath() +
			fmt.Sprintf("?_foreign_keys=1&_busy_timeout=%d&_synchronous=FULL&_cache_size=%d&_stmt_cache_size=%d",
				BusyTimeout.Milliseconds(), -cacheKiB, stmtCacheSize)
	}
	if db.db, err = sql.Open(driverName, dsn(writerCacheKiB)+"&_journal_mode=WAL&_txlock=immediate"); err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	db.db.SetMaxOpenConns(1)
	db.db.SetConnMaxIdleTime(0)
	if err := db.db.Ping(); err != nil {
		db.db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", filepath.Base(path), err)
	}
	if err := requireFTS5(db.db); err != nil {
		db.db.Close()
		return nil, err
	}
	if err := db.migrate(context.Background()); err != nil {
		db.db.Close()
		return nil, err
	}
	if db.ro, err = sql.Open(driverName, dsn(readerCacheKiB)+"&_txlock=deferred&_query_only=1"); err != nil {
		db.db.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	// Readers come and go with page views; a helper keeps readerIdleConns
	// (and their page caches), not four, and none once idle
	// (ReleaseMemory). (No idle timeout: its cleaner goroutine would come
	// and go with page views too.)
	db.ro.SetMaxOpenConns(4)
	db.ro.SetMaxIdleConns(readerIdleConns)
	db.ckptDSN = "file:" + (&url.URL{Path: path}).EscapedPath() + "?_cache_size=-64"
	if err := db.chmodSidecars(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// chmodSidecars makes the WAL and shared-memory files 0600 too: they hold
// the same pages as the main file.
//
// Not on Windows: there are no POSIX modes (os.Chmod only flips the
// read-only attribute), and SQLite holds -shm open without FILE_SHARE_WRITE,
// so the call fails with a sharing violation and the helper could not start.
// There the files are protected by where they live: %LOCALAPPDATA%\keyrelay
// inherits the user profile's ACL (the user, SYSTEM and Administrators only),
// which SQLite's sidecars inherit too (docs/SECURITY.md).
func (db *DB) chmodSidecars() error {
	if runtime.GOOS == "windows" {
		return nil
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Chmod(db.path+suffix, 0o600); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("sqlite: chmod %s: %w", suffix, err)
		}
	}
	return nil
}

// Close folds the WAL back into the main file and closes the database.
func (db *DB) Close() error {
	var firstErr error
	if db.ro != nil {
		firstErr = db.ro.Close()
	}
	if db.db != nil {
		// Another process may be reading; then the checkpoint is partial,
		// which is harmless.
		if _, err := db.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("sqlite: checkpoint: %w", err)
		}
		if err := db.db.Close(); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("sqlite: close: %w", err)
		}
	}
	// Only now: closing it drops this process's locks on the -shm file.
	db.shm.close()
	return firstErr
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// migrate applies every migrations/*.sql not yet recorded, in name order,
// one tx each. Any file in the directory is picked up.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite: migrations table: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	sort.Strings(names)
	if err := db.refuseNewerSchema(ctx, names); err != nil {
		return err
	}
	applied := false
	for _, name := range names {
		did, err := db.migrateFile(ctx, name)
		if err != nil {
			return err
		}
		applied = applied || did
	}
	if applied {
		// A migration over a long history (a new index, a copy of a
		// column) leaves a WAL of tens of MiB; folded back now, at start,
		// it does not land on the first captures' commits.
		if _, err := db.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return fmt.Errorf("sqlite: checkpoint after migrations: %w", err)
		}
	}
	return nil
}

func (db *DB) migrateFile(ctx context.Context, name string) (bool, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("sqlite: migration %s: %w", name, err)
	}
	defer tx.Rollback()

	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return false, fmt.Errorf("sqlite: migration %s: %w", name, err)
	} else if n > 0 {
		return false, nil
	}
	body, err := fs.ReadFile(migrationFS, name)
	if err != nil {
		return false, fmt.Errorf("sqlite: migration %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return false, fmt.Errorf("sqlite: migration %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO migrations (name, applied_at) VALUES (?, ?)`, name, formatTime(db.Now())); err != nil {
		return false, fmt.Errorf("sqlite: migration %s: %w", name, err)
	}
	return true, tx.Commit()
}

// Tx wraps a transaction with the time it began, so every row it writes
// agrees on "now".
type Tx struct {
	*sql.Tx
	db  *DB
	now time.Time
}

// BeginTx starts a write transaction (BEGIN IMMEDIATE), or a read-only one
// on the reader pool when opts.ReadOnly is set.
func (db *DB) BeginTx(ctx context.Context, opts *sql.TxOptions) (*Tx, error) {
	pool := db.db
	if opts != nil && opts.ReadOnly {
		pool = db.ro
	}
	tx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin: %w", err)
	}
	return &Tx{Tx: tx, db: db, now: db.Now().UTC()}, nil
}

// readOnly is the TxOptions of every read-only method.
var readOnly = &sql.TxOptions{ReadOnly: true}

func isUniqueViolation(err error) bool {
	var e sqlite3.Error
	return errors.As(err, &e) && (e.ExtendedCode == sqlite3.ErrConstraintUnique || e.ExtendedCode == sqlite3.ErrConstraintPrimaryKey)
}
