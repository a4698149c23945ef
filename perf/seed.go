package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
)

// runSalt makes this run's capture ids new to a data dir kept from an
// earlier run (-keep): a resent id is acked without being stored again.
var runSalt = rand.IntN(1 << 16)

const (
	seedShops = 50
	seedAPIs  = 12
)

var seedApps = []struct{ name, developer string }{
	{"GoQ System (ごくシステム)", "株式会社GoQSystem"},
	{"在庫連携アプリ", "株式会社ストックリンク"},
	{"レビュー管理プラス", "合同会社レビュープラス"},
}

// shopRef is the i-th seeded shop as its pages show it.
func shopRef(i int) keyrelay.ShopRef {
	return keyrelay.ShopRef{ID: fmt.Sprintf("%06d", 300000+i), Name: fmt.Sprintf("テスト店舗%02d 楽天市場店", i),
		URL: fmt.Sprintf("https://www.rakuten.co.jp/shop%02d/", i)}
}

func seedAPIList() []keyrelay.API {
	names := []string{"rakuten.order.get", "rakuten.order.update", "rakuten.item.search", "rakuten.item.update",
		"rakuten.inventory.get", "rakuten.inventory.update", "rakuten.category.get", "rakuten.cabinet.file.insert",
		"rakuten.cabinet.file.delete", "rakuten.shop.get", "rakuten.coupon.get", "rakuten.review.get"}
	apis := make([]keyrelay.API, seedAPIs)
	for i := range apis {
		apis[i] = keyrelay.API{Name: names[i], Description: "受注・商品・在庫の取得と更新（" + names[i] + "）"}
	}
	return apis
}

// newCapture is a realistic capture of shop i's app j; n makes its id and
// key unique.
func newCapture(i, j, n int) *protocol.Capture {
	expiry := time.Now().In(keyrelay.JST).AddDate(0, 0, 20+(i*7+j)%70)
	return &protocol.Capture{
		CaptureID: fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", n, runSalt, j, i, n),
		PageURL:   fmt.Sprintf("https://webservice.rms.rakuten.co.jp/merchant-portal/apps/detail?app=%d", j),
		Shop:      shopRef(i),
		AppName:   seedApps[j].name, Developer: seedApps[j].developer,
		AppURL: "https://example.jp/app", State: "利用中", Expiry: keyrelay.FormatDate(expiry),
		APIs: seedAPIList(),
		Key:  fmt.Sprintf("SL%06d_Zq8Wm3Lx7Pn2%04d", 300000+i, n%10000),
	}
}

// seed makes a data dir with rows captures: the helper pairs a client,
// records an アプリ一覧 visit per shop (some keys expire within 14 days, one
// app in five shows 更新あり) and stores one real capture per shop and app;
// SQL then copies those captures (with a delivered delivery for GoQ's) up to
// rows. The triggers keep the per-app summary and the counters as
// CreateCapture would; the text index is fed as the helper's indexer would.
func seed(ctx context.Context, cfg *config, name string, rows int) (string, error) {
	dataDir := filepath.Join(cfg.work, name, "data")
	if _, err := os.Stat(filepath.Join(cfg.work, name, "perf-creds.json")); err == nil {
		return dataDir, nil // seeded by an earlier run with -keep
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", err
	}
	p, _, err := startProc(cfg, dataDir)
	if err != nil {
		return "", err
	}
	defer p.cmd.Process.Kill()
	if err := p.pair(ctx); err != nil {
		return "", err
	}
	cs, err := p.clients(ctx, 4)
	if err != nil {
		return "", err
	}
	n := 0
	for i := range seedShops {
		l := &protocol.AppListing{Shop: shopRef(i), PageURL: "https://webservice.rms.rakuten.co.jp/merchant-portal/apps"}
		for j, a := range seedApps {
			expiry := time.Now().In(keyrelay.JST).AddDate(0, 0, (i*5+j*11)%60)
			l.Rows = append(l.Rows, keyrelay.AppListRow{Developer: a.developer, AppName: a.name,
				KeyLast4: "0000", Expiry: keyrelay.FormatDate(expiry), State: "利用中", UpdatePending: (i+j)%5 == 0})
		}
		if err := retryRateLimited(func() error { _, err := cs[i%len(cs)].AppList(ctx, l); return err }); err != nil {
			return "", fmt.Errorf("seed app list: %w", err)
		}
		for j := range seedApps {
			n++
			if _, err := capture(ctx, cs[n%len(cs)], newCapture(i, j, n)); err != nil {
				return "", fmt.Errorf("seed capture: %w", err)
			}
		}
	}
	closeAll(cs)
	if _, err := p.stop(); err != nil {
		return "", err
	}
	return dataDir, bulkCopy(ctx, filepath.Join(dataDir, "keyrelay.db"), rows-n)
}

// bulkCopy appends n copies of the seeded captures, round robin, each with
// its own uuid, last 4 and expiry, and a delivered delivery where the
// original has one. The copies' sealed keys are never opened.
func bulkCopy(ctx context.Context, path string, n int) error {
	if n <= 0 {
		return nil
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000&_foreign_keys=1&_journal_mode=WAL")
	if err != nil {
		return err
	}
	defer db.Close()
	cols, err := columns(db, "captures")
	if err != nil {
		return err
	}
	var exprs []string
	for _, c := range cols {
		switch c {
		case "id":
			exprs = append(exprs, "NULL")
		case "uuid":
			exprs = append(exprs, "printf('%08x-0000-4000-8000-%012x', n.i, n.i)")
		case "key_last4":
			exprs = append(exprs, "printf('%04d', n.i % 10000)")
		case "expiry":
			exprs = append(exprs, "printf('2027/%02d/%02d', 1 + n.i % 12, 1 + n.i % 28)")
		case "search":
			exprs = append(exprs, "replace(replace(s.search, s.key_last4, printf('%04d', n.i % 10000)), s.expiry, printf('2027/%02d/%02d', 1 + n.i % 12, 1 + n.i % 28))")
		default:
			exprs = append(exprs, "s."+c)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	q := fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d),
		t(k, id) AS (SELECT ROW_NUMBER() OVER (ORDER BY id) - 1, id FROM captures)
		INSERT INTO captures (%s) SELECT %s FROM n JOIN t ON t.k = n.i %% (SELECT COUNT(*) FROM t) JOIN captures s ON s.id = t.id
		ORDER BY n.i`, n, strings.Join(cols, ", "), strings.Join(exprs, ", "))
	if _, err := tx.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("bulk captures: %w", err)
	}
	dcols, err := columns(db, "deliveries")
	if err != nil {
		return err
	}
	exprs = exprs[:0]
	for _, c := range dcols {
		switch c {
		case "id":
			exprs = append(exprs, "NULL")
		case "capture_id":
			exprs = append(exprs, "c.id")
		case "status":
			exprs = append(exprs, "'"+keyrelay.DeliveryDelivered+"'")
		case "attempts":
			exprs = append(exprs, "1")
		default:
			exprs = append(exprs, "d."+c)
		}
	}
	q = fmt.Sprintf(`INSERT INTO deliveries (%s) SELECT %s FROM captures c
		JOIN deliveries d ON d.id = (SELECT MIN(d2.id) FROM deliveries d2 JOIN captures o ON o.id = d2.capture_id
			WHERE o.shop_id = c.shop_id AND o.app_name = c.app_name)
		WHERE NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.capture_id = c.id)`,
		strings.Join(dcols, ", "), strings.Join(exprs, ", "))
	if _, err := tx.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("bulk deliveries: %w", err)
	}
	// The text index, as the helper's indexer would (sqlite/textindex.go).
	if _, err := tx.ExecContext(ctx, `INSERT INTO captures_fts (rowid, search)
		SELECT id, search FROM captures WHERE id > (SELECT indexed_to FROM capture_search_watermark) ORDER BY id`); err != nil {
		return fmt.Errorf("bulk text index: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO capture_search_text (id, shop_id, search)
		SELECT id, shop_id, search FROM captures WHERE id > (SELECT indexed_to FROM capture_search_watermark)`); err != nil {
		return fmt.Errorf("bulk search text: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE capture_search_watermark SET indexed_to = (SELECT MAX(id) FROM captures)`); err != nil {
		return fmt.Errorf("bulk text index: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

func columns(db *sql.DB, table string) ([]string, error) {
	rows, err := db.Query("SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}
