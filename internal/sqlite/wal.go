package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
)

// WAL and memory bounds. The write-ahead log grows while a burst of captures
// outruns checkpoints (or a reader pins old pages); journal_size_limit makes
// SQLite cut the file back to this size each time the log restarts, and the
// checkpointer (RunCheckpoints) makes it restart soon after a burst.
const (
	// JournalSizeLimit is what the -wal file is truncated to on restart,
	// and the size an idle WAL file is kept at (CheckpointAfterWrites): a
	// commit that overwrites blocks the file already has is fsync'd in
	// about 60 % of the time of one that grows it (measured on this
	// machine's disk: 0.11 vs 0.19 ms for a one-row insert).
	JournalSizeLimit = 3 << 20
	// autoCheckpointPages is SQLite's wal_autocheckpoint: a commit that
	// leaves more frames than this checkpoints before it returns, and so
	// before its capture's ack. The checkpointer (below) folds the WAL back
	// whenever captures pause, so this only fires during long bursts; at
	// SQLite's default (1,000) about one capture in 60 paid for a
	// checkpoint, which set the p99.
	autoCheckpointPages = 4000
	// readerCacheKiB bounds each reader's page cache (SQLite's default is
	// 2 MiB per connection; the OS page cache serves the rest).
	readerCacheKiB = 512
	// writerCacheKiB is the write connection's: the index pages one capture
	// touches outgrow 512 KiB at 100k rows, and rereading them cost CPU
	// per capture that grew with the history. ReleaseMemory empties it
	// when the helper goes idle.
	writerCacheKiB = 4096
	// readerIdleConns is how many read connections stay open between
	// reads. A capture's reads run beside others (the outbox's claim check,
	// the previous capture's): with one, most likely a second reader was
	// opened and closed (its schema parsed again) for nearly every capture
	// (perf: p50 1.0 → 0.8 ms, CPU per capture 1.35 → 1.0 ms).
	readerIdleConns = 2
	// stmtCacheSize keeps each connection's prepared statements: compiling
	// the capture's INSERT (with its triggers) cost as much as running it.
	stmtCacheSize = 64
	// ckptBusyTimeoutMs is how long a checkpoint waits for readers: it holds
	// the write lock meanwhile, so a capture waits at most this long.
	ckptBusyTimeoutMs = 50
)

// driverName is mattn/go-sqlite3 with the per-connection pragmas the DSN
// cannot carry.
const driverName = "sqlite3_keyrelay"

var registerDriver sync.Once

func init() {
	registerDriver.Do(func() {
		sql.Register(driverName, &sqlite3.SQLiteDriver{
			ConnectHook: func(c *sqlite3.SQLiteConn) error {
				_, err := c.Exec(fmt.Sprintf(`PRAGMA journal_size_limit = %d; PRAGMA wal_autocheckpoint = %d`,
					JournalSizeLimit, autoCheckpointPages), nil)
				return err
			},
		})
	})
}

// requireFTS5 fails with instructions when the binary was built without the
// sqlite_fts5 tag: the history's text index (migration 0031) needs it, and a
// build that silently lacked it would fail later and less clearly.
func requireFTS5(db *sql.DB) error {
	var on bool
	if err := db.QueryRow(`SELECT sqlite_compileoption_used('ENABLE_FTS5')`).Scan(&on); err != nil {
		return fmt.Errorf("sqlite: compile options: %w", err)
	}
	if !on {
		return fmt.Errorf("sqlite: FTS5なしでビルドされています。-tags sqlite_fts5 を付けてビルド・テストしてください（make build / make test、docs/TESTING.md） / " +
			"this binary was built without FTS5; build and test with -tags sqlite_fts5 (make build, make test; see docs/TESTING.md)")
	}
	return nil
}

// checkpointState is what CheckpointAfterWrites saw at its previous call.
type checkpointState struct {
	mu      sync.Mutex
	size    int64
	modTime time.Time
	settled bool // the idle checkpoint of this size and time is done
}

// CheckpointResult says what one call did.
type CheckpointResult struct {
	Mode string // "", "PASSIVE", "RESTART" or "TRUNCATE"
	Busy bool   // a reader or writer kept it from finishing
}

// CheckpointAfterWrites is one tick of the checkpointer. It watches the -wal
// file itself, so it sees every process's writes and ignores transactions
// that wrote nothing (the outbox's polls). While the WAL keeps changing it
// copies what it can back (PASSIVE: never blocks anyone); once a tick passes
// with the WAL unchanged it checkpoints fully: a file larger than
// JournalSizeLimit (after a burst) is truncated to zero (TRUNCATE); a
// smaller one is kept and the next commit starts again at its beginning
// (RESTART), overwriting blocks the file has instead of growing it. An
// empty or settled WAL costs one stat.
func (db *DB) CheckpointAfterWrites(ctx context.Context) (CheckpointResult, error) {
	st := &db.ckpt
	st.mu.Lock()
	defer st.mu.Unlock()
	var size int64
	var mod time.Time
	if fi, err := os.Stat(db.path + "-wal"); err == nil {
		size, mod = fi.Size(), fi.ModTime()
	}
	var res CheckpointResult
	changed := size != st.size || !mod.Equal(st.modTime)
	switch {
	case size == 0:
		return res, nil
	case changed:
		res.Mode, st.settled = "PASSIVE", false
	case st.settled:
		return res, nil
	case size > JournalSizeLimit:
		res.Mode = "TRUNCATE"
	default:
		res.Mode = "RESTART"
	}
	st.size, st.modTime = size, mod
	busy, err := db.checkpoint(ctx, res.Mode)
	res.Busy = busy
	st.settled = res.Mode == "RESTART" && !busy && err == nil
	return res, err
}

// RunCheckpoints calls CheckpointAfterWrites on every tick until ctx ends.
// The helper passes a time.Ticker's channel (every 2 s); tests pass their own.
func (db *DB) RunCheckpoints(ctx context.Context, ticks <-chan time.Time, onErr func(error)) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			if _, err := db.CheckpointAfterWrites(ctx); err != nil && ctx.Err() == nil && onErr != nil {
				onErr(err)
			}
		}
	}
}

// checkpoint runs one wal_checkpoint on a short-lived connection of its own,
// so it neither waits behind nor holds up the write connection for longer
// than ckptBusyTimeoutMs, and keeps no page cache once done.
func (db *DB) checkpoint(ctx context.Context, mode string) (busy bool, err error) {
	c, err := sql.Open(driverName, db.ckptDSN+fmt.Sprintf("&_busy_timeout=%d", ckptBusyTimeoutMs))
	if err != nil {
		return false, fmt.Errorf("sqlite: checkpoint: %w", err)
	}
	defer c.Close()
	var b, logFrames, done int
	if err := c.QueryRowContext(ctx, `PRAGMA wal_checkpoint(`+mode+`)`).Scan(&b, &logFrames, &done); err != nil {
		return false, fmt.Errorf("sqlite: checkpoint %s: %w", mode, err)
	}
	return b != 0, nil
}

// WALSize is the -wal file's size in bytes (0 when there is none).
func (db *DB) WALSize() int64 {
	fi, err := os.Stat(db.path + "-wal")
	if err != nil {
		return 0
	}
	return fi.Size()
}

// ReleaseMemory drops the write connection's page cache, closes the idle
// readers (their caches and prepared statements go with them; the next page
// view opens one again) and returns freed C heap to the OS. The helper calls
// it when a busy period ends.
func (db *DB) ReleaseMemory(ctx context.Context) error {
	if _, err := db.db.ExecContext(ctx, `PRAGMA shrink_memory`); err != nil {
		return fmt.Errorf("sqlite: shrink memory: %w", err)
	}
	db.ro.SetMaxIdleConns(0)
	db.ro.SetMaxIdleConns(readerIdleConns)
	trimCHeap()
	return nil
}
