package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"keyrelay/internal/keyrelay"
)

// DeliveryModeService implements keyrelay.DeliveryModeService.
type DeliveryModeService struct{ db *DB }

var _ keyrelay.DeliveryModeService = (*DeliveryModeService)(nil)

func NewDeliveryModeService(db *DB) *DeliveryModeService { return &DeliveryModeService{db: db} }

func (s *DeliveryModeService) SetDeliveryMode(ctx context.Context, destination, shopKey, mode string) (int, error) {
	if err := keyrelay.CheckDeliveryMode(mode); err != nil {
		return 0, err
	}
	if shopKey == "" || shopKey == unknownShopKey {
		return 0, keyrelay.Errorf(keyrelay.EINVALID, "配信方法は店舗ごとに設定します。店舗を指定してください。",
			"The delivery mode is set per shop: name the shop.")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_modes (destination, shop_key, mode, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (destination, shop_key) DO UPDATE SET mode = excluded.mode, updated_at = excluded.updated_at`,
		destination, shopKey, mode, formatTime(tx.now)); err != nil {
		return 0, fmt.Errorf("sqlite: set delivery mode: %w", err)
	}
	if mode == keyrelay.DeliveryModeBrowser {
		// The login that served the shop names its GoQ account: kept (the
		// login ID only) as the account the GoQ tab must show, unless one
		// is set already.
		if c, err := findCredentials(ctx, tx, destination, shopKey, false, false); err == nil {
			if _, err := tx.ExecContext(ctx, `UPDATE delivery_modes SET account = ? WHERE destination = ? AND shop_key = ? AND account = ''`,
				keyrelay.NormGoQAccount(c.LoginID), destination, shopKey); err != nil {
				return 0, fmt.Errorf("sqlite: set delivery mode: %w", err)
			}
		} else if keyrelay.ErrorCode(err) != keyrelay.ENOTFOUND {
			return 0, err
		}
		// No GoQ password for this shop may stay: its own login goes (with
		// the sealed password) and a shared login stops serving it. With
		// secure_delete the freed pages are zeroed, and the checkpoint
		// below empties the WAL, so not even the ciphertext lingers.
		if _, err := tx.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
			return 0, fmt.Errorf("sqlite: set delivery mode: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM credential_shops WHERE destination = ? AND shop_key = ?`, destination, shopKey); err != nil {
			return 0, fmt.Errorf("sqlite: set delivery mode: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM credentials WHERE destination = ? AND shop_key = ?
			AND NOT EXISTS (SELECT 1 FROM credential_shops b WHERE b.credentials_id = credentials.id)`, destination, shopKey); err != nil {
			return 0, fmt.Errorf("sqlite: set delivery mode: %w", err)
		}
	}
	// Deliveries that waited for a login or for the browser follow the new
	// mode at once.
	now := formatTime(tx.now)
	res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = ?, next_attempt_at = ?, updated_at = ?
		WHERE destination = ? AND status IN (?, ?, ?) AND shop_id IN (SELECT id FROM shops WHERE key = ?)`,
		keyrelay.DeliveryPending, now, now, destination, keyrelay.DeliveryWaitingLogin, keyrelay.DeliveryWaitingBrowser,
		keyrelay.DeliveryWaitingAccount, shopKey)
	if err != nil {
		return 0, fmt.Errorf("sqlite: set delivery mode: %w", err)
	}
	n, _ := res.RowsAffected()
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: set delivery mode: %w", err)
	}
	if mode == keyrelay.DeliveryModeBrowser {
		// Best effort: a reader in another process can keep the WAL; the
		// next checkpoint (at the latest, Close) then does it.
		_, _ = s.db.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
		_, _ = s.db.db.ExecContext(ctx, `PRAGMA secure_delete = OFF`)
	}
	return int(n), nil
}

func (s *DeliveryModeService) DeliveryMode(ctx context.Context, destination, shopKey string) (string, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	return deliveryMode(ctx, tx, destination, shopKey)
}

func deliveryMode(ctx context.Context, tx *Tx, destination, shopKey string) (string, error) {
	var mode string
	err := tx.QueryRowContext(ctx, `SELECT mode FROM delivery_modes WHERE destination = ? AND shop_key = ?`, destination, shopKey).Scan(&mode)
	if errors.Is(err, sql.ErrNoRows) {
		return keyrelay.DeliveryModeHelper, nil
	} else if err != nil {
		return "", fmt.Errorf("sqlite: delivery mode: %w", err)
	}
	return mode, nil
}

// deliveryReady reports whether a delivery of shopKey to destination can be
// attempted: the shop is in browser mode (the attempt then finds out whether
// the browser is there), or it has a login. In browser mode no login is
// looked up, so the default login is never bound to such a shop.
func deliveryReady(ctx context.Context, tx *Tx, destination, shopKey string) (bool, error) {
	mode, err := deliveryMode(ctx, tx, destination, shopKey)
	if err != nil {
		return false, err
	}
	if mode == keyrelay.DeliveryModeBrowser {
		return true, nil
	}
	if _, err := findCredentials(ctx, tx, destination, shopKey, true, false); keyrelay.ErrorCode(err) == keyrelay.ENOTFOUND {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return true, nil
}

func (s *DeliveryModeService) ListDeliveryModes(ctx context.Context, destination string) ([]*keyrelay.DeliveryModeSetting, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT destination, shop_key, mode, account, updated_at FROM delivery_modes WHERE destination = ? ORDER BY shop_key`, destination)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list delivery modes: %w", err)
	}
	defer rows.Close()
	var out []*keyrelay.DeliveryModeSetting
	for rows.Next() {
		m := &keyrelay.DeliveryModeSetting{}
		if err := rows.Scan(&m.Destination, &m.ShopKey, &m.Mode, &m.Account, scanTime(&m.UpdatedAt)); err != nil {
			return nil, fmt.Errorf("sqlite: list delivery modes: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *DeliveryModeService) WakeWaitingBrowser(ctx context.Context, clientID string) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	now := formatTime(tx.now)
	res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = ?, next_attempt_at = ?, updated_at = ?
		WHERE status IN (?, ?) AND capture_id IN (SELECT id FROM captures WHERE client_id = ?)`,
		keyrelay.DeliveryPending, now, now, keyrelay.DeliveryWaitingBrowser, keyrelay.DeliveryWaitingAccount, clientID)
	if err != nil {
		return 0, fmt.Errorf("sqlite: wake waiting browser: %w", err)
	}
	n, _ := res.RowsAffected()
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: wake waiting browser: %w", err)
	}
	return int(n), nil
}
