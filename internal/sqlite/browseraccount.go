package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"keyrelay/internal/keyrelay"
)

// The expected GoQ account of a browser-mode shop (delivery_modes.account,
// migration 0091; docs/GOQ-BROWSER.md "Which GoQ account").

func (s *DeliveryModeService) BrowserAccount(ctx context.Context, destination, shopKey string) (string, error) {
	var account string
	err := s.db.db.QueryRowContext(ctx, `SELECT account FROM delivery_modes WHERE destination = ? AND shop_key = ?`,
		destination, shopKey).Scan(&account)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("sqlite: browser account: %w", err)
	}
	return account, nil
}

func (s *DeliveryModeService) SetBrowserAccount(ctx context.Context, destination, shopKey, account string, onlyIfUnset bool) (int, error) {
	account = keyrelay.NormGoQAccount(account)
	if err := keyrelay.CheckGoQAccount(account); err != nil {
		return 0, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var mode, cur string
	err = tx.QueryRowContext(ctx, `SELECT mode, account FROM delivery_modes WHERE destination = ? AND shop_key = ?`,
		destination, shopKey).Scan(&mode, &cur)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && mode != keyrelay.DeliveryModeBrowser) {
		return 0, keyrelay.Errorf(keyrelay.EINVALID, "この店舗はブラウザのGoQタブで反映する設定ではありません。GoQアカウントはブラウザで反映する店舗に設定します。",
			"This shop is not in browser mode; a GoQ account is set for browser-mode shops.")
	} else if err != nil {
		return 0, fmt.Errorf("sqlite: set browser account: %w", err)
	}
	if onlyIfUnset && cur != "" {
		return 0, keyrelay.Errorf(keyrelay.ECONFLICT, "この店舗のGoQアカウントは既に「%s」に設定されています。変更はGoQ設定か keyrelay goq set-mode --account で行ってください。",
			"This shop's GoQ account is already %q; change it on the GoQ settings page or with keyrelay goq set-mode --account.", keyrelay.Printable(cur))
	}
	now := formatTime(tx.now)
	if _, err := tx.ExecContext(ctx, `UPDATE delivery_modes SET account = ?, updated_at = ? WHERE destination = ? AND shop_key = ?`,
		account, now, destination, shopKey); err != nil {
		return 0, fmt.Errorf("sqlite: set browser account: %w", err)
	}
	// The shop's deliveries that waited for the account (or the browser)
	// try again with it.
	res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = ?, next_attempt_at = ?, updated_at = ?
		WHERE destination = ? AND status IN (?, ?) AND shop_id IN (SELECT id FROM shops WHERE key = ?)`,
		keyrelay.DeliveryPending, now, now, destination, keyrelay.DeliveryWaitingAccount, keyrelay.DeliveryWaitingBrowser, shopKey)
	if err != nil {
		return 0, fmt.Errorf("sqlite: set browser account: %w", err)
	}
	n, _ := res.RowsAffected()
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: set browser account: %w", err)
	}
	return int(n), nil
}
