package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"keyrelay/internal/keyrelay"
)

// ShopService implements keyrelay.ShopService.
type ShopService struct{ db *DB }

var _ keyrelay.ShopService = (*ShopService)(nil)

func NewShopService(db *DB) *ShopService { return &ShopService{db: db} }

func (s *ShopService) FindShops(ctx context.Context) ([]*keyrelay.Shop, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+shopColumns+` FROM shops ORDER BY name, key`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find shops: %w", err)
	}
	defer rows.Close()
	var shops []*keyrelay.Shop
	for rows.Next() {
		sh, err := scanShop(rows)
		if err != nil {
			return nil, err
		}
		shops = append(shops, sh)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: find shops: %w", err)
	}
	return shops, nil
}

func (s *ShopService) FindShopByID(ctx context.Context, id int64) (*keyrelay.Shop, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findShopByID(ctx, tx, id)
}

const shopColumns = `id, key, rms_id, url, name, created_at, updated_at`

func scanShop(r interface{ Scan(...any) error }) (*keyrelay.Shop, error) {
	var sh keyrelay.Shop
	if err := r.Scan(&sh.ID, &sh.Key, &sh.Ref.ID, &sh.Ref.URL, &sh.Ref.Name, scanTime(&sh.CreatedAt), scanTime(&sh.UpdatedAt)); err != nil {
		return nil, err
	}
	return &sh, nil
}

func findShopByID(ctx context.Context, tx *Tx, id int64) (*keyrelay.Shop, error) {
	sh, err := scanShop(tx.QueryRowContext(ctx, `SELECT `+shopColumns+` FROM shops WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, keyrelay.Errorf(keyrelay.ENOTFOUND, "店舗 %d が見つかりません。", "Shop %d not found.", id)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find shop: %w", err)
	}
	return sh, nil
}

// upsertShop finds the shop by ref.Key() and refreshes the fields ref shows,
// or creates it.
func upsertShop(ctx context.Context, tx *Tx, ref keyrelay.ShopRef) (*keyrelay.Shop, error) {
	key := ref.Key()
	sh, err := scanShop(tx.QueryRowContext(ctx, `SELECT `+shopColumns+` FROM shops WHERE key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		now := formatTime(tx.now)
		res, err := tx.ExecContext(ctx, `INSERT INTO shops (key, rms_id, url, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			key, ref.ID, ref.URL, ref.Name, now, now)
		if err != nil {
			return nil, fmt.Errorf("sqlite: create shop: %w", err)
		}
		id, _ := res.LastInsertId()
		return &keyrelay.Shop{ID: id, Key: key, Ref: ref, CreatedAt: tx.now, UpdatedAt: tx.now}, nil
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find shop: %w", err)
	}

	merged := sh.Ref
	if ref.ID != "" {
		merged.ID = ref.ID
	}
	if ref.URL != "" {
		merged.URL = ref.URL
	}
	if ref.Name != "" {
		merged.Name = ref.Name
	}
	if merged == sh.Ref {
		return sh, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE shops SET rms_id = ?, url = ?, name = ?, updated_at = ? WHERE id = ?`,
		merged.ID, merged.URL, merged.Name, formatTime(tx.now), sh.ID); err != nil {
		return nil, fmt.Errorf("sqlite: update shop: %w", err)
	}
	sh.Ref, sh.UpdatedAt = merged, tx.now
	return sh, nil
}
