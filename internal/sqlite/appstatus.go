package sqlite

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"keyrelay/internal/keyrelay"
)

// AppStatusService implements keyrelay.AppStatusService.
type AppStatusService struct{ db *DB }

var _ keyrelay.AppStatusService = (*AppStatusService)(nil)

func NewAppStatusService(db *DB) *AppStatusService { return &AppStatusService{db: db} }

// RecordAppListing upserts each row of an アプリ一覧 visit. A row older than
// what is stored (a late resend) changes nothing.
func (s *AppStatusService) RecordAppListing(ctx context.Context, l *keyrelay.AppListing) error {
	if err := validateListing(l); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	shop, err := upsertShop(ctx, tx, l.Shop)
	if err != nil {
		return err
	}
	seen := l.SeenAt.UTC()
	if seen.IsZero() || seen.After(tx.now) {
		// The extension's clock may be ahead; never let it pin a row.
		seen = tx.now
	}
	for _, r := range l.Rows {
		if err := upsertAppStatus(ctx, tx, shop.ID, l.PageURL, seen, r); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: record app listing: %w", err)
	}
	return nil
}

// validateListing makes l storable row by row (keyrelay.CleanListing): a
// bad row is dropped or loses only its expiry; the others are stored.
func validateListing(l *keyrelay.AppListing) error {
	_, err := keyrelay.CleanListing(l)
	return err
}

func upsertAppStatus(ctx context.Context, tx *Tx, shopID int64, pageURL string, seen time.Time, r keyrelay.AppListRow) error {
	expiry := r.Expiry
	if expiry == "" {
		expiry = "-"
	}
	at, ok, _ := keyrelay.ParseRMSDate(expiry) // validated above
	expiresAt := ""
	if ok {
		expiresAt = formatTime(at)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO app_statuses (shop_id, developer, app_name, key_last4, expiry, expires_at, state, update_pending, page_url, seen_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (shop_id, developer, app_name) DO UPDATE SET
			key_last4 = excluded.key_last4, expiry = excluded.expiry, expires_at = excluded.expires_at,
			state = excluded.state, update_pending = excluded.update_pending, page_url = excluded.page_url,
			seen_at = excluded.seen_at
		WHERE excluded.seen_at >= app_statuses.seen_at`,
		shopID, strings.TrimSpace(r.Developer), r.AppName, keyrelay.KeyLast4(strings.TrimSpace(r.KeyLast4)),
		expiry, expiresAt, r.State, r.UpdatePending, pageURL, formatTime(seen)); err != nil {
		return fmt.Errorf("sqlite: record app status: %w", err)
	}
	return nil
}

// FindAppStatuses merges, per shop and app, the newest アプリ一覧 row with
// the newest capture and that capture's delivery; apps known only from a
// capture are included. Sorted by shop, then app.
func (s *AppStatusService) FindAppStatuses(ctx context.Context) ([]*keyrelay.AppStatus, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	names, err := shopDisplayNames(ctx, tx)
	if err != nil {
		return nil, err
	}
	listed, err := findListedApps(ctx, tx)
	if err != nil {
		return nil, err
	}
	latest, err := findLatestCaptures(ctx, tx)
	if err != nil {
		return nil, err
	}

	var out []*keyrelay.AppStatus
	matched := map[appRef]bool{}
	for _, l := range listed {
		ref := appRef{l.shopID, l.appName}
		c := latest[ref]
		matched[ref] = true
		out = append(out, withShop(mergeAppStatus(shopOf(names, l.shopID).DisplayName(), ref, &l, c), shopOf(names, l.shopID), c))
	}
	for ref, c := range latest {
		if !matched[ref] {
			out = append(out, withShop(mergeAppStatus(shopOf(names, ref.shopID).DisplayName(), ref, nil, c), shopOf(names, ref.shopID), c))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.ShopName != b.ShopName {
			return a.ShopName < b.ShopName
		}
		if a.ShopID != b.ShopID {
			return a.ShopID < b.ShopID
		}
		if a.AppName != b.AppName {
			return a.AppName < b.AppName
		}
		return a.Developer < b.Developer
	})
	return out, nil
}

// appRef matches a listing row to captures: by shop and app name, since a
// capture page may not show the developer the same way the list does.
type appRef struct {
	shopID  int64
	appName string
}

type listedApp struct {
	shopID        int64
	developer     string
	appName       string
	keyLast4      string
	expiry        string
	expiresAt     time.Time
	updatePending bool
	seenAt        time.Time
}

type latestCapture struct {
	developer     string
	keyLast4      string
	expiry        string
	updatePending bool
	capturedAt    time.Time
	delivery      string
	clientID      string
}

// withShop adds what tells shops apart for an agency: the shop's key and
// RMS id, and which browser made the newest capture.
func withShop(a *keyrelay.AppStatus, sh *keyrelay.Shop, c *latestCapture) *keyrelay.AppStatus {
	a.ShopKey, a.ShopRMSID = sh.Key, sh.Ref.ID
	if c != nil {
		a.LastClientID = c.clientID
	}
	return a
}

func shopOf(m map[int64]*keyrelay.Shop, id int64) *keyrelay.Shop {
	if sh := m[id]; sh != nil {
		return sh
	}
	return &keyrelay.Shop{}
}

func shopDisplayNames(ctx context.Context, tx *Tx) (map[int64]*keyrelay.Shop, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+shopColumns+` FROM shops`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: app statuses: shops: %w", err)
	}
	defer rows.Close()
	names := map[int64]*keyrelay.Shop{}
	for rows.Next() {
		sh, err := scanShop(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: app statuses: shops: %w", err)
		}
		names[sh.ID] = sh
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: app statuses: shops: %w", err)
	}
	return names, nil
}

func findListedApps(ctx context.Context, tx *Tx) ([]listedApp, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT shop_id, developer, app_name, key_last4, expiry, expires_at, update_pending, seen_at FROM app_statuses`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: app statuses: %w", err)
	}
	defer rows.Close()
	var out []listedApp
	for rows.Next() {
		var l listedApp
		if err := rows.Scan(&l.shopID, &l.developer, &l.appName, &l.keyLast4, &l.expiry, scanTime(&l.expiresAt),
			&l.updatePending, scanTime(&l.seenAt)); err != nil {
			return nil, fmt.Errorf("sqlite: app statuses: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: app statuses: %w", err)
	}
	return out, nil
}

// findLatestCaptures returns the newest capture of each shop and app with
// its newest delivery's status. app_latest (kept by a trigger in each
// capture's transaction) names them, so this reads one row per app however
// many captures there are.
func findLatestCaptures(ctx context.Context, tx *Tx) (map[appRef]*latestCapture, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT c.shop_id, c.app_name, c.developer, c.key_last4, c.expiry, c.update_pending, c.captured_at, c.client_id,
			COALESCE((SELECT d.status FROM deliveries d WHERE d.capture_id = c.id ORDER BY d.id DESC LIMIT 1), '')
		FROM app_latest l JOIN captures c ON c.id = l.capture_id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: app statuses: captures: %w", err)
	}
	defer rows.Close()
	out := map[appRef]*latestCapture{}
	for rows.Next() {
		var ref appRef
		var c latestCapture
		if err := rows.Scan(&ref.shopID, &ref.appName, &c.developer, &c.keyLast4, &c.expiry, &c.updatePending,
			scanTime(&c.capturedAt), &c.clientID, &c.delivery); err != nil {
			return nil, fmt.Errorf("sqlite: app statuses: captures: %w", err)
		}
		out[ref] = &c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: app statuses: captures: %w", err)
	}
	return out, nil
}

// mergeAppStatus decides what the board shows for one app. The listing
// speaks for the current key unless a newer capture brought a different key
// (then its expiry is the old key's). An expiry from the current source wins;
// with none shown, the key is assumed to last EstimatedKeyLifetime from its
// capture, labelled as an estimate.
func mergeAppStatus(shopName string, ref appRef, l *listedApp, c *latestCapture) *keyrelay.AppStatus {
	a := &keyrelay.AppStatus{ShopID: ref.shopID, ShopName: shopName, AppName: ref.appName, Expiry: "-"}
	listingCurrent := l != nil && (c == nil || !l.seenAt.Before(c.capturedAt) ||
		(l.keyLast4 != "" && l.keyLast4 == c.keyLast4))
	if l != nil {
		a.Developer, a.SeenAt = l.developer, l.seenAt
		a.KeyLast4, a.Expiry, a.UpdatePending = l.keyLast4, l.expiry, l.updatePending
	}
	if c != nil {
		a.LastCaptureAt, a.LastDelivery = c.capturedAt, c.delivery
		if a.Developer == "" {
			a.Developer = c.developer
		}
		if !listingCurrent {
			a.KeyLast4, a.Expiry, a.UpdatePending = c.keyLast4, c.expiry, c.updatePending
		} else if a.KeyLast4 == "" {
			a.KeyLast4 = c.keyLast4
		}
	}
	if a.Expiry == "" {
		a.Expiry = "-"
	}

	switch {
	case listingCurrent && !l.expiresAt.IsZero():
		a.ExpiresAt = l.expiresAt
	case c != nil:
		if t, ok, err := keyrelay.ParseRMSDate(c.expiry); err == nil && ok {
			a.ExpiresAt = t
			if a.Expiry == "-" {
				a.Expiry = c.expiry
			}
		} else {
			a.ExpiresAt, a.ExpiryEstimated = c.capturedAt.Add(keyrelay.EstimatedKeyLifetime), true
		}
	}
	return a
}
