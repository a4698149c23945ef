package sqlite

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// The history's text index (captures_fts, migrations 0031 and 0033) and the
// short filters' narrow copy of the text (capture_search_text, 0034) are fed
// after the captures' commits, in batches, instead of inside each capture's
// durable transaction: an FTS5 insert per capture wrote a segment (about
// half the pages of the commit) and ran segment merges whose cost grew with
// the history (docs: BENCHMARKS.md).
//
// capture_search_watermark.indexed_to is durable and moves in the same
// transaction as the rows it covers, so captures_fts and capture_search_text
// hold exactly the captures with id <= indexed_to. A search reads the index below the
// watermark and scans the captures above it (findCapturesIndexed): a
// committed capture is found before it is indexed, and after a crash between
// the commit and the indexing. RunIndexer indexes that tail at start.
const (
	// IndexSettle is how long the indexer lets captures gather before it
	// indexes them: a burst is indexed in one transaction once it pauses.
	IndexSettle = 250 * time.Millisecond
	// indexTailMax is the tail that is indexed without waiting for a
	// pause, so that a search's scan of it stays short during long bursts.
	indexTailMax = 1000
	// indexBatch is the most captures one indexing transaction takes, so
	// a capture never waits long behind it for the write connection.
	indexBatch = 500
)

// textIndexState is what CreateCapture tells the indexer.
type textIndexState struct {
	pending atomic.Int64  // captures committed since the last indexing, about
	wake    chan struct{} // buffered 1
}

// capturesCommitted tells the indexer that n captures were committed.
func (db *DB) capturesCommitted(n int64) {
	db.index.pending.Add(n)
	select {
	case db.index.wake <- struct{}{}:
	default:
	}
}

// IndexCaptures adds up to max captures above the watermark to the text
// index and the search text, in one write transaction that also moves the watermark, and
// reports how many it added.
func (db *DB) IndexCaptures(ctx context.Context, max int) (int, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var from int64
	if err := tx.QueryRowContext(ctx, `SELECT indexed_to FROM capture_search_watermark`).Scan(&from); err != nil {
		return 0, fmt.Errorf("sqlite: text index watermark: %w", err)
	}
	var n int
	var to int64
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(id), ?1) FROM (SELECT id FROM captures WHERE id > ?1 ORDER BY id LIMIT ?2)`,
		from, max).Scan(&n, &to); err != nil {
		return 0, fmt.Errorf("sqlite: text index: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO captures_fts (rowid, search) SELECT id, search FROM captures WHERE id > ? AND id <= ? ORDER BY id`,
		from, to); err != nil {
		return 0, fmt.Errorf("sqlite: text index: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO capture_search_text (id, shop_id, search) SELECT id, shop_id, search FROM captures WHERE id > ? AND id <= ?`,
		from, to); err != nil {
		return 0, fmt.Errorf("sqlite: search text: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE capture_search_watermark SET indexed_to = ?`, to); err != nil {
		return 0, fmt.Errorf("sqlite: text index watermark: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: text index: %w", err)
	}
	return n, nil
}

// indexAll indexes the whole tail, a batch per transaction.
func (db *DB) indexAll(ctx context.Context) error {
	db.index.pending.Store(0)
	for {
		n, err := db.IndexCaptures(ctx, indexBatch)
		if err != nil || n < indexBatch {
			return err
		}
	}
}

// RunIndexer indexes the tail left unindexed (by a crash, or by captures
// stored while no helper ran), then indexes new captures once they have
// paused for IndexSettle, or at once when indexTailMax are waiting. It
// returns when ctx ends.
func (db *DB) RunIndexer(ctx context.Context, onErr func(error)) {
	report := func(err error) {
		if err != nil && ctx.Err() == nil && onErr != nil {
			onErr(err)
		}
	}
	report(db.indexAll(ctx))
	settle := time.NewTimer(IndexSettle)
	settle.Stop()
	defer settle.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-db.index.wake:
			if db.index.pending.Load() >= indexTailMax {
				report(db.indexAll(ctx))
				continue
			}
			settle.Reset(IndexSettle)
		case <-settle.C:
			report(db.indexAll(ctx))
		}
	}
}
