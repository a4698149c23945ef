package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"keyrelay/internal/keyrelay"
)

// DeliveryService implements keyrelay.DeliveryService: the durable outbox.
//
// Ordering guarantees rest on three rules: a new capture supersedes the
// older undelivered (pending or waiting_login) deliveries of the same shop,
// app and destination in its own transaction; ClaimDue leases at most one
// delivery per shop and none while that shop has a live lease; and within a
// shop it hands out the oldest due row first, so a crashed helper's older
// in-flight key is finished before a newer one is posted over it.
type DeliveryService struct{ db *DB }

var _ keyrelay.DeliveryService = (*DeliveryService)(nil)

func NewDeliveryService(db *DB) *DeliveryService { return &DeliveryService{db: db} }

// createDelivery adds the outbox row of capture c for dest.
func createDelivery(ctx context.Context, tx *Tx, c *keyrelay.Capture, shopKey, dest string) (*keyrelay.Delivery, error) {
	now := formatTime(tx.now)
	if _, err := tx.ExecContext(ctx, `
		UPDATE deliveries SET status = ?, finished_at = ?, updated_at = ?, next_attempt_at = ''
		WHERE shop_id = ? AND destination = ? AND status IN (?, ?, ?, ?)
		AND EXISTS (SELECT 1 FROM captures c WHERE c.id = deliveries.capture_id AND c.app_name = ? AND c.id < ?)`,
		// EXISTS looks up each waiting delivery's capture; an IN (SELECT …)
		// listed every capture of the app, which grows with the history.
		keyrelay.DeliverySuperseded, now, now, c.ShopID, dest, keyrelay.DeliveryPending, keyrelay.DeliveryWaitingLogin, keyrelay.DeliveryWaitingBrowser,
		keyrelay.DeliveryWaitingAccount, c.AppName, c.ID); err != nil {
		return nil, fmt.Errorf("sqlite: supersede deliveries: %w", err)
	}

	status, next := keyrelay.DeliveryWaitingLogin, ""
	if ready, err := deliveryReady(ctx, tx, dest, shopKey); err != nil {
		return nil, err
	} else if ready {
		status, next = keyrelay.DeliveryPending, now
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO deliveries (capture_id, shop_id, destination, status, next_attempt_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, c.ID, c.ShopID, dest, status, next, now, now)
	if err != nil {
		return nil, fmt.Errorf("sqlite: create delivery: %w", err)
	}
	d := &keyrelay.Delivery{CaptureID: c.ID, CaptureUUID: c.UUID, ShopID: c.ShopID, AppName: c.AppName, Destination: dest,
		Status: status, CreatedAt: tx.now, UpdatedAt: tx.now}
	if next != "" {
		d.NextAttemptAt = tx.now
	}
	if d.ID, err = res.LastInsertId(); err != nil {
		return nil, fmt.Errorf("sqlite: create delivery: %w", err)
	}
	return d, nil
}

const deliveryColumns = `d.id, d.capture_id, c.uuid, d.shop_id, c.app_name, d.destination, d.status, d.attempts,
	d.next_attempt_at, d.lease_until, d.last_error, d.last_error_en, d.created_at, d.updated_at, d.finished_at,
	d.quote, d.credentials_id, d.login_id`

const deliveryFrom = ` FROM deliveries d JOIN captures c ON c.id = d.capture_id `

func scanDelivery(r interface{ Scan(...any) error }) (*keyrelay.Delivery, error) {
	var d keyrelay.Delivery
	if err := r.Scan(&d.ID, &d.CaptureID, &d.CaptureUUID, &d.ShopID, &d.AppName, &d.Destination, &d.Status, &d.Attempts,
		scanTime(&d.NextAttemptAt), scanTime(&d.LeaseUntil), &d.LastError, &d.LastErrorEn,
		scanTime(&d.CreatedAt), scanTime(&d.UpdatedAt), scanTime(&d.FinishedAt),
		&d.Quote, &d.CredentialsID, &d.LoginID); err != nil {
		return nil, err
	}
	return &d, nil
}

func findDeliveriesWhere(ctx context.Context, tx *Tx, where string, args ...any) ([]*keyrelay.Delivery, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+deliveryColumns+deliveryFrom+`WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find deliveries: %w", err)
	}
	defer rows.Close()
	var ds []*keyrelay.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: find deliveries: %w", err)
		}
		ds = append(ds, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: find deliveries: %w", err)
	}
	return ds, nil
}

func deliveryNotFound(id int64) error {
	return keyrelay.Errorf(keyrelay.ENOTFOUND, "配信 %d が見つかりません。", "Delivery %d not found.", id)
}

func findDeliveryByID(ctx context.Context, tx *Tx, id int64) (*keyrelay.Delivery, error) {
	ds, err := findDeliveriesWhere(ctx, tx, `d.id = ?`, id)
	if err != nil {
		return nil, err
	} else if len(ds) == 0 {
		return nil, deliveryNotFound(id)
	}
	return ds[0], nil
}

func (s *DeliveryService) FindDeliveries(ctx context.Context, f keyrelay.DeliveryFilter) ([]*keyrelay.Delivery, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	where, args := []string{"1"}, []any{}
	if f.CaptureID != 0 {
		where, args = append(where, `d.capture_id = ?`), append(args, f.CaptureID)
	}
	if f.ShopID != nil {
		where, args = append(where, `d.shop_id = ?`), append(args, *f.ShopID)
	}
	if f.Status != "" {
		where, args = append(where, `d.status = ?`), append(args, f.Status)
	}
	if len(f.CaptureIDs) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?,", len(f.CaptureIDs)), ",")
		where = append(where, `d.capture_id IN (`+ph+`)`)
		for _, id := range f.CaptureIDs {
			args = append(args, id)
		}
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	} else if limit > 1000 {
		limit = 1000
	}
	if n := len(f.CaptureIDs) * max(1, len(s.db.Destinations)); n > limit {
		// Every delivery of the asked captures, however many that is.
		limit = n
	}
	return findDeliveriesWhere(ctx, tx, strings.Join(where, " AND ")+` ORDER BY d.id DESC LIMIT ?`, append(args, limit)...)
}

func (s *DeliveryService) FindDeliveryByID(ctx context.Context, id int64) (*keyrelay.Delivery, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findDeliveryByID(ctx, tx, id)
}

func (s *DeliveryService) FindAttempts(ctx context.Context, deliveryID int64) ([]*keyrelay.DeliveryAttempt, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := findDeliveryByID(ctx, tx, deliveryID); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, delivery_id, started_at, finished_at, result, error, error_en, quote, credentials_id, login_id
		FROM delivery_attempts WHERE delivery_id = ? ORDER BY id`, deliveryID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find attempts: %w", err)
	}
	defer rows.Close()
	var as []*keyrelay.DeliveryAttempt
	for rows.Next() {
		var a keyrelay.DeliveryAttempt
		if err := rows.Scan(&a.ID, &a.DeliveryID, scanTime(&a.StartedAt), scanTime(&a.FinishedAt), &a.Result, &a.Error, &a.ErrorEn,
			&a.Quote, &a.CredentialsID, &a.LoginID); err != nil {
			return nil, fmt.Errorf("sqlite: find attempts: %w", err)
		}
		as = append(as, &a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: find attempts: %w", err)
	}
	return as, nil
}

// anyClaimable reports whether a delivery is due or its lease has run out:
// the rows ClaimDue's write transaction would supersede or claim.
func (s *DeliveryService) anyClaimable(ctx context.Context, now time.Time) (bool, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	nowS := formatTime(now)
	var due bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM deliveries
		WHERE (status = ? AND next_attempt_at <= ?) OR (status = ? AND lease_until <= ?))`,
		keyrelay.DeliveryPending, nowS, keyrelay.DeliveryInProgress, nowS).Scan(&due); err != nil {
		return false, fmt.Errorf("sqlite: claim due: %w", err)
	}
	return due, nil
}

func (s *DeliveryService) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*keyrelay.Delivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	if lease <= 0 {
		return nil, fmt.Errorf("sqlite: claim due: lease %s is not positive", lease)
	}
	// Most wakes find nothing to claim (a capture waiting for a GoQ login,
	// a poll). A look on a reader says so without taking the write
	// connection, which the next capture would otherwise queue behind.
	if due, err := s.anyClaimable(ctx, now); err != nil || !due {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	nowS := formatTime(now)
	// An older key must never be posted after a newer one. Creating a
	// capture supersedes the older deliveries that are waiting, but one that
	// was in flight then can come back as a retry (or a released or expired
	// lease) later; it is superseded here, before anything is claimed. Only
	// claimable rows are checked, each by index (captures_shop_app, then the
	// deliveries' unique (capture_id, destination)).
	if _, err := tx.ExecContext(ctx, `
		UPDATE deliveries SET status = ?, finished_at = ?, updated_at = ?, next_attempt_at = '', lease_until = '', lease_owner = ''
		WHERE ((status = ? AND next_attempt_at <= ?) OR (status = ? AND lease_until <= ?))
		AND EXISTS (SELECT 1 FROM captures oc
			JOIN captures nc ON nc.shop_id = oc.shop_id AND nc.app_name = oc.app_name AND nc.id > oc.id
			JOIN deliveries n ON n.capture_id = nc.id AND n.destination = deliveries.destination
			WHERE oc.id = deliveries.capture_id)`,
		keyrelay.DeliverySuperseded, formatTime(tx.now), formatTime(tx.now),
		keyrelay.DeliveryPending, nowS, keyrelay.DeliveryInProgress, nowS); err != nil {
		return nil, fmt.Errorf("sqlite: claim due: supersede: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT d.id, d.shop_id FROM deliveries d
		WHERE d.status IN (?, ?)
		AND ((d.status = ? AND d.next_attempt_at <= ?) OR (d.status = ? AND d.lease_until <= ?))
		AND NOT EXISTS (SELECT 1 FROM deliveries l
			WHERE l.shop_id = d.shop_id AND l.status = ? AND l.lease_until > ?)
		ORDER BY d.id`,
		keyrelay.DeliveryPending, keyrelay.DeliveryInProgress,
		keyrelay.DeliveryPending, nowS, keyrelay.DeliveryInProgress, nowS,
		keyrelay.DeliveryInProgress, nowS)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim due: %w", err)
	}
	var ids []int64
	seen := map[int64]bool{}
	for rows.Next() && len(ids) < limit {
		var id, shopID int64
		if err := rows.Scan(&id, &shopID); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: claim due: %w", err)
		}
		if !seen[shopID] {
			seen[shopID] = true
			ids = append(ids, id)
		}
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("sqlite: claim due: %w", err)
	}

	out := make([]*keyrelay.Delivery, 0, len(ids))
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = ?, lease_until = ?, lease_owner = ?, updated_at = ? WHERE id = ?`,
			keyrelay.DeliveryInProgress, formatTime(now.Add(lease)), s.db.owner, formatTime(tx.now), id); err != nil {
			return nil, fmt.Errorf("sqlite: claim due: %w", err)
		}
		d, err := findDeliveryByID(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: claim due: %w", err)
	}
	return out, nil
}

func (s *DeliveryService) NextDue(ctx context.Context) (time.Time, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return time.Time{}, err
	}
	defer tx.Rollback()
	// Each MIN is one step along deliveries_due (status, next_attempt_at),
	// the second a scan of the in-progress rows (a few at most).
	var next time.Time
	if err := tx.QueryRowContext(ctx, `SELECT MIN(t) FROM (
		SELECT MIN(next_attempt_at) AS t FROM deliveries WHERE status = ? AND next_attempt_at > ''
		UNION ALL SELECT MIN(lease_until) FROM deliveries WHERE status = ? AND lease_until > '')`,
		keyrelay.DeliveryPending, keyrelay.DeliveryInProgress).Scan(scanTime(&next)); err != nil {
		return time.Time{}, fmt.Errorf("sqlite: next due: %w", err)
	}
	return next, nil
}

// attemptResults are the statuses an attempt may lead to.
var attemptResults = map[string]bool{
	keyrelay.DeliveryPending:        true, // retry at next
	keyrelay.DeliveryWaitingLogin:   true,
	keyrelay.DeliveryWaitingBrowser: true,
	keyrelay.DeliveryWaitingAccount: true,
	keyrelay.DeliveryDelivered:      true,
	keyrelay.DeliveryAlreadyCurrent: true,
	keyrelay.DeliverySuperseded:     true,
	keyrelay.DeliveryNeedsAttention: true,
}

func (s *DeliveryService) RecordAttempt(ctx context.Context, deliveryID int64, a *keyrelay.DeliveryAttempt, next time.Time) (*keyrelay.Delivery, error) {
	if a == nil || !attemptResults[a.Result] {
		return nil, fmt.Errorf("sqlite: record attempt: invalid result")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	var status, owner string
	err = tx.QueryRowContext(ctx, `SELECT status, lease_owner FROM deliveries WHERE id = ?`, deliveryID).Scan(&status, &owner)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, deliveryNotFound(deliveryID)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: record attempt: %w", err)
	}
	if status != keyrelay.DeliveryInProgress || owner != s.db.owner {
		return nil, keyrelay.Errorf(keyrelay.ECONFLICT,
			"配信 %d はこの処理の担当ではなくなりました（状態: %s）。", "Delivery %d is no longer leased by this helper (status: %s).", deliveryID, status)
	}

	a.DeliveryID = deliveryID
	if a.StartedAt.IsZero() {
		a.StartedAt = tx.now
	}
	if a.FinishedAt.IsZero() {
		a.FinishedAt = tx.now
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO delivery_attempts (delivery_id, started_at, finished_at, result, error, error_en, quote, credentials_id, login_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		deliveryID, formatTime(a.StartedAt), formatTime(a.FinishedAt), a.Result, a.Error, a.ErrorEn, a.Quote, a.CredentialsID, a.LoginID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: record attempt: %w", err)
	}
	a.ID, _ = res.LastInsertId()

	nextS, finished := "", ""
	switch {
	case a.Result == keyrelay.DeliveryPending && next.IsZero():
		nextS = formatTime(tx.now)
	case a.Result == keyrelay.DeliveryPending:
		nextS = formatTime(next)
	case keyrelay.DeliveryFinal(a.Result):
		finished = formatTime(tx.now)
	}
	if _, err := tx.ExecContext(ctx, `
		UPDATE deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = ?, lease_until = '', lease_owner = '',
			last_error = ?, last_error_en = ?, updated_at = ?, finished_at = ?, quote = ?, credentials_id = ?, login_id = ?
		WHERE id = ?`, a.Result, nextS, a.Error, a.ErrorEn, formatTime(tx.now), finished, a.Quote, a.CredentialsID, a.LoginID, deliveryID); err != nil {
		return nil, fmt.Errorf("sqlite: record attempt: %w", err)
	}
	d, err := findDeliveryByID(ctx, tx, deliveryID)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: record attempt: %w", err)
	}
	return d, nil
}

// RetryNow makes a pending or needs_attention delivery due now. If a newer
// capture of the same shop and app has its own delivery to the destination,
// the old key must not be posted after it: the row becomes superseded and
// the call fails with ECONFLICT. Attempts is not reset, so an outbox that
// caps attempts tries once more and then gives up again.
func (s *DeliveryService) RetryNow(ctx context.Context, deliveryID int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	d, err := findDeliveryByID(ctx, tx, deliveryID)
	if err != nil {
		return err
	}
	if d.Status != keyrelay.DeliveryNeedsAttention && d.Status != keyrelay.DeliveryPending {
		return keyrelay.Errorf(keyrelay.ECONFLICT,
			"配信 %d は再試行できる状態ではありません（状態: %s）。", "Delivery %d cannot be retried in status %s.", deliveryID, d.Status)
	}
	now := formatTime(tx.now)
	var newer int
	if err := tx.QueryRowContext(ctx, `
		SELECT COUNT(*) FROM deliveries d2 JOIN captures c2 ON c2.id = d2.capture_id
		WHERE d2.destination = ? AND c2.shop_id = ? AND c2.app_name = ? AND c2.id > ?`,
		d.Destination, d.ShopID, d.AppName, d.CaptureID).Scan(&newer); err != nil {
		return fmt.Errorf("sqlite: retry: %w", err)
	}
	if newer > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = ?, next_attempt_at = '', updated_at = ?, finished_at = ? WHERE id = ?`,
			keyrelay.DeliverySuperseded, now, now, deliveryID); err != nil {
			return fmt.Errorf("sqlite: retry: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("sqlite: retry: %w", err)
		}
		return keyrelay.Errorf(keyrelay.ECONFLICT,
			"このアプリには新しいキーがあるため、古いキーは再送しません。", "A newer key exists for this app, so the old one is not sent again.")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = ?, next_attempt_at = ?, updated_at = ?, finished_at = '' WHERE id = ?`,
		keyrelay.DeliveryPending, now, now, deliveryID); err != nil {
		return fmt.Errorf("sqlite: retry: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: retry: %w", err)
	}
	return nil
}

func (s *DeliveryService) ReleaseLeases(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := formatTime(tx.now)
	if _, err := tx.ExecContext(ctx, `
		UPDATE deliveries SET status = ?, next_attempt_at = ?, lease_until = '', lease_owner = '', updated_at = ?
		WHERE status = ? AND lease_owner = ?`,
		keyrelay.DeliveryPending, now, now, keyrelay.DeliveryInProgress, s.db.owner); err != nil {
		return fmt.Errorf("sqlite: release leases: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: release leases: %w", err)
	}
	return nil
}

func (s *DeliveryService) WakeWaitingLogin(ctx context.Context) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()

	type waiting struct {
		id         int64
		dest, shop string
	}
	rows, err := tx.QueryContext(ctx, `SELECT d.id, d.destination, s.key FROM deliveries d JOIN shops s ON s.id = d.shop_id
		WHERE d.status = ? ORDER BY d.id`, keyrelay.DeliveryWaitingLogin)
	if err != nil {
		return 0, fmt.Errorf("sqlite: wake waiting: %w", err)
	}
	var ws []waiting
	for rows.Next() {
		var w waiting
		if err := rows.Scan(&w.id, &w.dest, &w.shop); err != nil {
			rows.Close()
			return 0, fmt.Errorf("sqlite: wake waiting: %w", err)
		}
		ws = append(ws, w)
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("sqlite: wake waiting: %w", err)
	}

	now, n := formatTime(tx.now), 0
	for _, w := range ws {
		if ready, err := deliveryReady(ctx, tx, w.dest, w.shop); err != nil {
			return 0, err
		} else if !ready {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?`,
			keyrelay.DeliveryPending, now, now, w.id); err != nil {
			return 0, fmt.Errorf("sqlite: wake waiting: %w", err)
		}
		n++
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: wake waiting: %w", err)
	}
	return n, nil
}

// RecoverAbandonedLeases returns every in-progress delivery leased by another
// handle to pending, due now. Call it only at start and only while holding the
// data dir's instance lock (internal/instance): then no other helper is alive,
// so those leases belong to one that crashed (kill -9, power loss), and waiting
// for them to expire would only delay the delivery. A post the dead helper
// made before dying is found by the destination's read-before-write and
// reported as already current, never posted twice.
func (s *DeliveryService) RecoverAbandonedLeases(ctx context.Context) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	now := formatTime(tx.now)
	res, err := tx.ExecContext(ctx, `
		UPDATE deliveries SET status = ?, next_attempt_at = ?, lease_until = '', lease_owner = '', updated_at = ?
		WHERE status = ? AND lease_owner <> ?`,
		keyrelay.DeliveryPending, now, now, keyrelay.DeliveryInProgress, s.db.owner)
	if err != nil {
		return 0, fmt.Errorf("sqlite: recover abandoned leases: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: recover abandoned leases: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: recover abandoned leases: %w", err)
	}
	return int(n), nil
}
