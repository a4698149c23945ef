package sqlite

import (
	"context"
	"fmt"
	"strings"
)

// SeedCaptures inserts n captures spread over shops directly, in one tx with
// one prepared statement: benchmarks need 100k rows in seconds, not the
// fsync per capture that CreateCapture pays.
func SeedCaptures(db *DB, n, shops int) error {
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := formatTime(tx.now)
	shopIDs := make([]int64, shops)
	for i := range shops {
		res, err := tx.ExecContext(ctx, `INSERT INTO shops (key, rms_id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			fmt.Sprintf("id:seed%d", i), fmt.Sprintf("seed%d", i), fmt.Sprintf("シード店舗%d", i), now, now)
		if err != nil {
			return err
		}
		shopIDs[i], _ = res.LastInsertId()
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO captures (uuid, shop_id, shop_rms_id, shop_name, app_name, developer,
		state, expiry, apis, page_url, captured_at, received_at, key_last4, key_fingerprint, key_sealed, search)
		VALUES (?, ?, ?, ?, ?, ?, '利用中', '2026/01/01', ?, ?, ?, ?, ?, 'fp', randomblob(54), ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	// Rows as large as real ones (an API list of a dozen entries), so a
	// scan costs what it will in the field.
	apis := `[` + strings.Repeat(`{"name":"RakutenPayOrderAPI.searchOrder","description":"楽天ペイ受注情報の検索・取得"},`, 11) +
		`{"name":"ItemAPI","description":"商品"}]`
	pageURL := "https://webservice.rms.rakuten.co.jp/merchant-portal/view/ja/common/1-1_service_index/license/detail"
	for i := range n {
		s := i % shops
		app := fmt.Sprintf("アプリ%d", i%37)
		last4 := fmt.Sprintf("%04d", i%10000)
		name := fmt.Sprintf("シード店舗%d", s)
		search := fmt.Sprintf("seed%d\x1f\x1f%s\x1f%s\x1f開発会社\x1f利用中\x1f2026/01/01\x1f%s", s, name, app, last4)
		if _, err := stmt.ExecContext(ctx, fmt.Sprintf("00000000-0000-4000-8000-%012d", i), shopIDs[s], fmt.Sprintf("seed%d", s),
			name, app, "開発会社", apis, pageURL, now, now, last4, search); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return db.indexAll(ctx)
}

// IndexedTo is the text index's watermark.
func IndexedTo(db *DB) (int64, error) {
	var n int64
	err := db.ro.QueryRow(`SELECT indexed_to FROM capture_search_watermark`).Scan(&n)
	return n, err
}

// ExecForTest runs one statement in a write tx.
func ExecForTest(db *DB, query string) error {
	tx, err := db.BeginTx(context.Background(), nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec(query); err != nil {
		return err
	}
	return tx.Commit()
}
