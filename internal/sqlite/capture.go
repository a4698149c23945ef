package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"keyrelay/internal/keyrelay"
)

// CaptureService implements keyrelay.CaptureService.
type CaptureService struct{ db *DB }

var _ keyrelay.CaptureService = (*CaptureService)(nil)

func NewCaptureService(db *DB) *CaptureService { return &CaptureService{db: db} }

// Bounds of the other records' text (pairings, credentials). A capture's
// and an アプリ一覧 row's limits are the domain's (keyrelay/limits.go).
const (
	maxTextLen = 1024
	maxURLLen  = 4096
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// captureAAD binds a sealed key to its capture, so a ciphertext copied onto
// another row does not open.
func captureAAD(uuid string) []byte { return []byte("capture:" + uuid) }

func (s *CaptureService) CreateCapture(ctx context.Context, c *keyrelay.Capture) (*keyrelay.Capture, bool, error) {
	if err := validateCapture(c); err != nil {
		return nil, false, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, false, err
	}
	defer tx.Rollback()

	if c.PairedOnly {
		if err := requireApprovedPairing(ctx, tx, c.ClientID); err != nil {
			return nil, false, err
		}
	}
	stored, err := findCaptureByUUID(ctx, tx, c.UUID)
	if err == nil {
		if stored.KeyFingerprint != s.db.sealer.Fingerprint(c.Key) {
			return nil, false, keyrelay.Errorf(keyrelay.ECONFLICT,
				"取得ID %s は別のキーで保存済みです。", "Capture %s is already stored with a different key.", c.UUID)
		}
		return stored, false, nil
	} else if keyrelay.ErrorCode(err) != keyrelay.ENOTFOUND {
		return nil, false, err
	}

	created, err := createCapture(ctx, tx, c)
	if err != nil {
		return nil, false, err
	}
	if err := tx.Commit(); err != nil {
		return nil, false, fmt.Errorf("sqlite: create capture: %w", err)
	}
	s.db.capturesCommitted(1)
	return created, true, nil
}

// requireApprovedPairing fails with EUNAUTHORIZED unless clientID's pairing
// is approved (keyrelay.Capture.PairedOnly).
func requireApprovedPairing(ctx context.Context, tx *Tx, clientID string) error {
	var ok bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pairings WHERE client_id = ? AND status = ?)`,
		clientID, keyrelay.PairingApproved).Scan(&ok); err != nil {
		return fmt.Errorf("sqlite: pairing of capture: %w", err)
	}
	if !ok {
		return keyrelay.Errorf(keyrelay.EUNAUTHORIZED, "このペアリングは取り消されました。もう一度ペアリングしてください。",
			"This pairing was revoked. Pair again.")
	}
	return nil
}

// validateCapture checks c and normalises its UUID to lower case (a resend
// in another case is the same capture).
func validateCapture(c *keyrelay.Capture) error {
	if c == nil {
		return keyrelay.Errorf(keyrelay.EINVALID, "取得データが空です。", "The capture is empty.")
	}
	c.UUID = strings.ToLower(strings.TrimSpace(c.UUID))
	if c.UUID == "" {
		return keyrelay.Errorf(keyrelay.EINVALID, "取得IDがありません。", "The capture id is missing.")
	}
	if !uuidRE.MatchString(c.UUID) {
		return keyrelay.Errorf(keyrelay.EINVALID, "取得IDがUUIDの形式ではありません。", "The capture id is not a UUID.")
	}
	// The key and the identity decide; descriptive fields are cut to the
	// domain's limits (keyrelay.ClipCapture), never a reason to refuse.
	if err := keyrelay.CheckCapture(c); err != nil {
		return err
	}
	if len(c.ClientID) > maxTextLen || !utf8.ValidString(c.ClientID) {
		return keyrelay.Errorf(keyrelay.EINVALID, "クライアントIDが不正です。", "The client id is invalid.")
	}
	keyrelay.ClipCapture(c)
	return nil
}

func createCapture(ctx context.Context, tx *Tx, in *keyrelay.Capture) (*keyrelay.Capture, error) {
	shop, err := upsertShop(ctx, tx, in.Shop)
	if err != nil {
		return nil, err
	}
	c := *in
	c.ID, c.ShopID, c.ReceivedAt = 0, shop.ID, tx.now
	if c.CapturedAt.IsZero() {
		c.CapturedAt = tx.now
	}
	c.CapturedAt = c.CapturedAt.UTC()
	if c.APIs == nil {
		c.APIs = []keyrelay.API{}
	}
	c.KeyLast4 = keyrelay.KeyLast4(c.Key)
	c.KeyFingerprint = tx.db.sealer.Fingerprint(c.Key)
	sealed, err := tx.db.sealer.Seal([]byte(c.Key), captureAAD(c.UUID))
	if err != nil {
		return nil, fmt.Errorf("sqlite: seal key: %w", err)
	}
	c.Key = ""
	apis, err := json.Marshal(c.APIs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: apis: %w", err)
	}

	res, err := tx.ExecContext(ctx, `
		INSERT INTO captures (uuid, shop_id, shop_rms_id, shop_url, shop_name, app_name, developer, app_url,
			state, expiry, update_pending, apis, page_url, client_id, captured_at, received_at,
			key_last4, key_fingerprint, key_sealed, search)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.UUID, c.ShopID, c.Shop.ID, c.Shop.URL, c.Shop.Name, c.AppName, c.Developer, c.AppURL,
		c.State, c.Expiry, c.UpdatePending, string(apis), c.PageURL, c.ClientID, formatTime(c.CapturedAt), formatTime(c.ReceivedAt),
		c.KeyLast4, c.KeyFingerprint, sealed, searchText(&c, shop.Ref))
	if err != nil {
		return nil, fmt.Errorf("sqlite: create capture: %w", err)
	}
	if c.ID, err = res.LastInsertId(); err != nil {
		return nil, fmt.Errorf("sqlite: create capture: %w", err)
	}

	for _, dest := range tx.db.Destinations {
		if !keyrelay.DeliversTo(dest, &c) {
			continue
		}
		d, err := createDelivery(ctx, tx, &c, shop.Key, dest)
		if err != nil {
			return nil, err
		}
		c.Deliveries = append(c.Deliveries, d)
	}
	return &c, nil
}

// searchText is what the text filter matches against. It includes the
// shop as known so far (shop), not only as this page showed it, so a capture
// from a page showing only the shop id is found by the shop's name.
func searchText(c *keyrelay.Capture, shop keyrelay.ShopRef) string {
	return strings.ToLower(strings.Join([]string{c.Shop.ID, c.Shop.URL, c.Shop.Name, shop.ID, shop.URL, shop.Name,
		c.AppName, c.Developer, c.State, c.Expiry, c.KeyLast4}, "\x1f"))
}

func (s *CaptureService) FindCaptureByID(ctx context.Context, id int64) (*keyrelay.Capture, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findCapture(ctx, tx, captureNotFound(id), `id = ?`, id)
}

func (s *CaptureService) FindCaptureByUUID(ctx context.Context, uuid string) (*keyrelay.Capture, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findCaptureByUUID(ctx, tx, uuid)
}

func (s *CaptureService) PreviousCapture(ctx context.Context, c *keyrelay.Capture) (*keyrelay.Capture, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findCapture(ctx, tx,
		keyrelay.Errorf(keyrelay.ENOTFOUND, "同じアプリの前回の取得はありません。", "No earlier capture of the same app."),
		`shop_id = ? AND app_name = ? AND id < ? ORDER BY id DESC LIMIT 1`, c.ShopID, c.AppName, c.ID)
}

func (s *CaptureService) RevealKey(ctx context.Context, id int64) (string, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	var uuid string
	var sealed []byte
	err = tx.QueryRowContext(ctx, `SELECT uuid, key_sealed FROM captures WHERE id = ?`, id).Scan(&uuid, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", captureNotFound(id)
	} else if err != nil {
		return "", fmt.Errorf("sqlite: reveal key: %w", err)
	}
	key, err := s.db.sealer.Open(sealed, captureAAD(uuid))
	if err != nil {
		return "", fmt.Errorf("sqlite: reveal key of capture %d: %w", id, err)
	}
	return string(key), nil
}

func (s *CaptureService) FindCaptures(ctx context.Context, f keyrelay.CaptureFilter) ([]*keyrelay.Capture, int, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findCaptures(ctx, tx, f)
}

func findCaptures(ctx context.Context, tx *Tx, f keyrelay.CaptureFilter) ([]*keyrelay.Capture, int, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	} else if limit > 1000 {
		limit = 1000
	}
	if q := strings.ToLower(strings.TrimSpace(f.Query)); utf8.RuneCountInString(q) >= trigramLen {
		return findCapturesIndexed(ctx, tx, f.ShopID, q, f.BeforeID, limit, f.CountLimit)
	} else if q != "" {
		var where []string
		var args []any
		if f.ShopID != nil {
			where, args = append(where, `shop_id = ?`), append(args, *f.ShopID)
		}
		where, args = append(where, `search LIKE ? ESCAPE '\'`), append(args, "%"+escapeLike(q)+"%")
		return findCapturesByText(ctx, tx, where, args, f.BeforeID, limit)
	}

	// The total is a counter the capture's transaction keeps (migration
	// 0030), not a COUNT over every row.
	var shop int64
	cond, args := "1", []any{}
	if f.ShopID != nil {
		shop = *f.ShopID
		cond, args = `shop_id = ?`, append(args, shop)
	}
	var total int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT n FROM capture_counts WHERE shop_id = ?), 0)`, shop).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("sqlite: count captures: %w", err)
	}
	if f.BeforeID > 0 {
		cond, args = cond+` AND id < ?`, append(args, f.BeforeID)
	}
	cs, err := findCapturesWhere(ctx, tx, cond+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, 0, err
	}
	return cs, total, nil
}

// trigramLen is the shortest text the trigram index can look up; shorter
// filters fall back to scanning the narrow capture_search_text.
const trigramLen = 3

// findCapturesIndexed looks q up in the trigram index (migration 0031) for
// the captures it holds (id <= the watermark, textindex.go) and scans the
// few above it, newest first, and reads only the page's rows. The count
// stops at countLimit when it is positive: a filter matching 100k rows need
// not count them all to say "1,000件以上".
func findCapturesIndexed(ctx context.Context, tx *Tx, shopID *int64, q string, beforeID int64, limit, countLimit int) ([]*keyrelay.Capture, int, error) {
	var mark int64
	if err := tx.QueryRowContext(ctx, `SELECT indexed_to FROM capture_search_watermark`).Scan(&mark); err != nil {
		return nil, 0, fmt.Errorf("sqlite: text index watermark: %w", err)
	}
	// The tail: search is lower-cased already, so a substring test is
	// what the trigram index answers for the rows it holds.
	tailWhere, tailArgs := `id > ? AND instr(search, ?) > 0`, []any{mark, q}
	if shopID != nil {
		tailWhere, tailArgs = tailWhere+` AND shop_id = ?`, append(tailArgs, *shopID)
	}
	tail, err := queryIDs(ctx, tx, `SELECT id FROM captures WHERE `+tailWhere+` ORDER BY id DESC`, tailArgs...)
	if err != nil {
		return nil, 0, err
	}

	// A quoted FTS5 string is matched as a substring of the text by the
	// trigram tokenizer; a quote inside it is doubled.
	from, args := `captures_fts`, []any{`"` + strings.ReplaceAll(q, `"`, `""`) + `"`, mark}
	where := `captures_fts MATCH ? AND captures_fts.rowid <= ?`
	if shopID != nil {
		from += ` JOIN captures c ON c.id = captures_fts.rowid`
		where, args = where+` AND c.shop_id = ?`, append(args, *shopID)
	}
	total := len(tail)
	countLimitSQL := -1
	if countLimit > 0 {
		countLimitSQL = max(0, countLimit-len(tail))
	}
	var indexed int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM `+from+` WHERE `+where+` LIMIT ?)`,
		append(slices.Clone(args), countLimitSQL)...).Scan(&indexed); err != nil {
		return nil, 0, fmt.Errorf("sqlite: count captures: %w", err)
	}
	total += indexed
	if countLimit > 0 {
		total = min(total, countLimit)
	}

	var ids []any
	for _, id := range tail {
		if len(ids) < limit && (beforeID <= 0 || id < beforeID) {
			ids = append(ids, id)
		}
	}
	if len(ids) < limit {
		if beforeID > 0 {
			where, args = where+` AND captures_fts.rowid < ?`, append(args, beforeID)
		}
		more, err := queryIDs(ctx, tx, `SELECT captures_fts.rowid FROM `+from+` WHERE `+where+` ORDER BY captures_fts.rowid DESC LIMIT ?`,
			append(args, limit-len(ids))...)
		if err != nil {
			return nil, 0, err
		}
		for _, id := range more {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, total, nil
	}
	cs, err := findCapturesWhere(ctx, tx, `id IN (`+strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")+`) ORDER BY id DESC`, ids...)
	if err != nil {
		return nil, 0, err
	}
	return cs, total, nil
}

// queryIDs returns the ids a query selects.
func queryIDs(ctx context.Context, tx *Tx, query string, args ...any) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find captures: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: find captures: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: find captures: %w", err)
	}
	return ids, nil
}

// findCapturesByText scans the narrow capture_search_text (the captures up
// to the text index's watermark) and the captures above it once for every
// matching id (a LIKE '%q%' can seek nothing, so the count needs the whole
// scan anyway), then reads only the page's rows: walking the wide rows
// newest-first costs several times more when matches are rare.
func findCapturesByText(ctx context.Context, tx *Tx, where []string, args []any, beforeID int64, limit int) ([]*keyrelay.Capture, int, error) {
	var mark int64
	if err := tx.QueryRowContext(ctx, `SELECT indexed_to FROM capture_search_watermark`).Scan(&mark); err != nil {
		return nil, 0, fmt.Errorf("sqlite: text index watermark: %w", err)
	}
	cond := strings.Join(where, " AND ")
	both := append(append(append(slices.Clone(args), mark), args...), mark)
	rows, err := tx.QueryContext(ctx, `SELECT id FROM capture_search_text WHERE `+cond+` AND id <= ?
		UNION ALL SELECT id FROM captures WHERE `+cond+` AND id > ?`, both...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: find captures: %w", err)
	}
	var total int
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("sqlite: find captures: %w", err)
		}
		total++
		if beforeID <= 0 || id < beforeID {
			ids = append(ids, id)
		}
	}
	if err := rows.Close(); err != nil {
		return nil, 0, fmt.Errorf("sqlite: find captures: %w", err)
	}
	if len(ids) == 0 {
		return nil, total, nil
	}
	slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(b, a) })
	ids = ids[:min(limit, len(ids))]
	marks, idArgs := make([]string, len(ids)), make([]any, len(ids))
	for i, id := range ids {
		marks[i], idArgs[i] = "?", id
	}
	cs, err := findCapturesWhere(ctx, tx, `id IN (`+strings.Join(marks, ",")+`) ORDER BY id DESC`, idArgs...)
	if err != nil {
		return nil, 0, err
	}
	return cs, total, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

const captureColumns = `id, uuid, shop_id, shop_rms_id, shop_url, shop_name, app_name, developer, app_url,
	state, expiry, update_pending, apis, page_url, client_id, captured_at, received_at, key_last4, key_fingerprint`

func scanCapture(r interface{ Scan(...any) error }) (*keyrelay.Capture, error) {
	var c keyrelay.Capture
	var apis string
	if err := r.Scan(&c.ID, &c.UUID, &c.ShopID, &c.Shop.ID, &c.Shop.URL, &c.Shop.Name, &c.AppName, &c.Developer, &c.AppURL,
		&c.State, &c.Expiry, &c.UpdatePending, &apis, &c.PageURL, &c.ClientID, scanTime(&c.CapturedAt), scanTime(&c.ReceivedAt),
		&c.KeyLast4, &c.KeyFingerprint); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(apis), &c.APIs); err != nil {
		return nil, fmt.Errorf("sqlite: capture %d apis: %w", c.ID, err)
	}
	return &c, nil
}

func captureNotFound(id any) error {
	return keyrelay.Errorf(keyrelay.ENOTFOUND, "取得記録 %v が見つかりません。", "Capture %v not found.", id)
}

func findCaptureByUUID(ctx context.Context, tx *Tx, uuid string) (*keyrelay.Capture, error) {
	uuid = strings.ToLower(strings.TrimSpace(uuid))
	if !uuidRE.MatchString(uuid) {
		// Not echoed: whatever was passed, it is no capture id.
		return nil, keyrelay.Errorf(keyrelay.ENOTFOUND, "取得記録が見つかりません。", "Capture not found.")
	}
	return findCapture(ctx, tx, captureNotFound(uuid), `uuid = ?`, uuid)
}

// findCapture returns the first capture matching where, or notFound.
func findCapture(ctx context.Context, tx *Tx, notFound error, where string, args ...any) (*keyrelay.Capture, error) {
	cs, err := findCapturesWhere(ctx, tx, where, args...)
	if err != nil {
		return nil, err
	} else if len(cs) == 0 {
		return nil, notFound
	}
	return cs[0], nil
}

func findCapturesWhere(ctx context.Context, tx *Tx, where string, args ...any) ([]*keyrelay.Capture, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+captureColumns+` FROM captures WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find captures: %w", err)
	}
	defer rows.Close()
	var cs []*keyrelay.Capture
	for rows.Next() {
		c, err := scanCapture(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: find captures: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: find captures: %w", err)
	}
	return cs, nil
}
