package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"keyrelay/internal/keyrelay"
)

var _ keyrelay.CaptureExporter = (*CaptureService)(nil)

// EachCapture walks the captures newest first in one query, deliveries
// joined in the same pass, and hands each capture to fn as soon as its last
// delivery row is read. A text filter is a substring test on the same rows: the walk
// reads every row once whatever the filter, so a filtered export never costs
// more than the whole one.
//
// The query holds one read transaction for the export's length (seconds at
// 100k rows); ctx bounds it, so a stalled download cannot pin the WAL.
func (s *CaptureService) EachCapture(ctx context.Context, f keyrelay.CaptureFilter, fn func(*keyrelay.Capture, []*keyrelay.Delivery) error) error {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	where, args := []string{"1"}, []any{}
	if f.ShopID != nil {
		where, args = append(where, `c.shop_id = ?`), append(args, *f.ShopID)
	}
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
		// search is lower-cased already: a plain substring test, cheaper
		// per row than LIKE.
		where, args = append(where, `instr(c.search, ?) > 0`), append(args, q)
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT c.id, c.shop_id, c.shop_rms_id, c.shop_url, c.shop_name, c.app_name, c.developer, c.app_url,
			c.state, c.expiry, c.update_pending, c.page_url, c.captured_at, c.key_last4,
			d.destination, d.status, d.attempts, d.quote, d.login_id
		FROM captures c LEFT JOIN deliveries d ON d.capture_id = c.id
		WHERE `+strings.Join(where, " AND ")+`
		ORDER BY c.id DESC`, args...)
	if err != nil {
		return fmt.Errorf("sqlite: export captures: %w", err)
	}
	defer rows.Close()

	var cur *keyrelay.Capture
	var ds []*keyrelay.Delivery
	flush := func() error {
		if cur == nil {
			return nil
		}
		err := fn(cur, ds)
		cur, ds = nil, nil
		return err
	}
	for rows.Next() {
		var c keyrelay.Capture
		var dest, status, quote, loginID sql.NullString
		var attempts sql.NullInt64
		if err := rows.Scan(&c.ID, &c.ShopID, &c.Shop.ID, &c.Shop.URL, &c.Shop.Name, &c.AppName, &c.Developer, &c.AppURL,
			&c.State, &c.Expiry, &c.UpdatePending, &c.PageURL, scanTime(&c.CapturedAt), &c.KeyLast4,
			&dest, &status, &attempts, &quote, &loginID); err != nil {
			return fmt.Errorf("sqlite: export captures: %w", err)
		}
		if cur == nil || cur.ID != c.ID {
			if err := flush(); err != nil {
				return err
			}
			cur = &c
		}
		if dest.Valid {
			ds = append(ds, &keyrelay.Delivery{CaptureID: c.ID, ShopID: c.ShopID, AppName: c.AppName,
				Destination: dest.String, Status: status.String, Attempts: int(attempts.Int64),
				Quote: quote.String, LoginID: loginID.String})
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: export captures: %w", err)
	}
	return flush()
}
