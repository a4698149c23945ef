package sqlite

import (
	"context"
	"fmt"

	"keyrelay/internal/keyrelay"
)

// PairingShopService implements keyrelay.PairingShopService.
type PairingShopService struct{ db *DB }

var _ keyrelay.PairingShopService = (*PairingShopService)(nil)

func NewPairingShopService(db *DB) *PairingShopService { return &PairingShopService{db: db} }

func (s *PairingShopService) TouchPairingShop(ctx context.Context, clientID, shopKey string) error {
	if clientID == "" || shopKey == "" {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO pairing_shops (client_id, shop_key, seen_at) VALUES (?, ?, ?)
		ON CONFLICT (client_id, shop_key) DO UPDATE SET seen_at = excluded.seen_at`,
		clientID, shopKey, formatTime(tx.now)); err != nil {
		return fmt.Errorf("sqlite: touch pairing shop: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: touch pairing shop: %w", err)
	}
	return nil
}

func (s *PairingShopService) PairingShopKeys(ctx context.Context, clientID string) (map[string]bool, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// Captures count through capture_clients (migration 0032), which each
	// capture's transaction keeps: one row per browser and shop, not a scan
	// of the history.
	rows, err := tx.QueryContext(ctx, `SELECT shop_key FROM pairing_shops WHERE client_id = ?1
		UNION SELECT s.key FROM capture_clients c JOIN shops s ON s.id = c.shop_id WHERE c.client_id = ?1`, clientID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: pairing shops: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("sqlite: pairing shops: %w", err)
		}
		out[k] = true
	}
	return out, rows.Err()
}
