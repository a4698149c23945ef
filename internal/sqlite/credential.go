package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"keyrelay/internal/keyrelay"
)

// CredentialService implements keyrelay.CredentialService. Passwords are
// sealed at rest. FindCredentials returns the password decrypted (delivery
// needs it; the field is json:"-"); ListCredentials never does, so listing
// for a settings page cannot leak one.
type CredentialService struct{ db *DB }

var _ keyrelay.CredentialService = (*CredentialService)(nil)

func NewCredentialService(db *DB) *CredentialService { return &CredentialService{db: db} }

func credentialAAD(destination, shopKey string) []byte {
	return []byte("credentials:" + destination + "\x00" + shopKey)
}

// SetCredentials creates or replaces the credentials of (Destination,
// ShopKey). An empty Password keeps the stored one, so a settings form can
// change the login id without asking for the password again.
func (s *CredentialService) SetCredentials(ctx context.Context, c *keyrelay.Credentials) error {
	if err := validateCredentials(c); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM credentials WHERE destination = ? AND shop_key = ?`, c.Destination, c.ShopKey).Scan(&id)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: set credentials: %w", err)
	}
	now := formatTime(tx.now)
	switch {
	case !exists && c.Password == "":
		return keyrelay.Errorf(keyrelay.EINVALID, "パスワードを入力してください。", "Enter the password.")
	case !exists:
		sealed, err := s.db.sealer.Seal([]byte(c.Password), credentialAAD(c.Destination, c.ShopKey))
		if err != nil {
			return fmt.Errorf("sqlite: seal password: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO credentials (destination, shop_key, base_url, login_id, password_sealed, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, c.Destination, c.ShopKey, c.BaseURL, c.LoginID, sealed, now, now)
		if err != nil {
			return fmt.Errorf("sqlite: set credentials: %w", err)
		}
		id, _ = res.LastInsertId()
	case c.Password == "":
		if _, err := tx.ExecContext(ctx, `UPDATE credentials SET base_url = ?, login_id = ?, updated_at = ? WHERE id = ?`,
			c.BaseURL, c.LoginID, now, id); err != nil {
			return fmt.Errorf("sqlite: set credentials: %w", err)
		}
	default:
		sealed, err := s.db.sealer.Seal([]byte(c.Password), credentialAAD(c.Destination, c.ShopKey))
		if err != nil {
			return fmt.Errorf("sqlite: seal password: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE credentials SET base_url = ?, login_id = ?, password_sealed = ?, updated_at = ? WHERE id = ?`,
			c.BaseURL, c.LoginID, sealed, now, id); err != nil {
			return fmt.Errorf("sqlite: set credentials: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: set credentials: %w", err)
	}
	c.ID, c.UpdatedAt = id, tx.now
	return nil
}

func validateCredentials(c *keyrelay.Credentials) error {
	if c == nil {
		return keyrelay.Errorf(keyrelay.EINVALID, "ログイン情報が空です。", "The login is empty.")
	}
	c.Destination = strings.TrimSpace(c.Destination)
	c.ShopKey = strings.TrimSpace(c.ShopKey)
	c.LoginID = strings.TrimSpace(c.LoginID)
	c.BaseURL = strings.TrimSpace(c.BaseURL)
	switch {
	case c.Destination == "":
		return keyrelay.Errorf(keyrelay.EINVALID, "配信先が指定されていません。", "The destination is missing.")
	case c.LoginID == "":
		return keyrelay.Errorf(keyrelay.EINVALID, "ログインIDを入力してください。", "Enter the login id.")
	case len(c.LoginID) > maxTextLen || len(c.Password) > maxTextLen || len(c.ShopKey) > maxURLLen || len(c.BaseURL) > maxURLLen:
		return keyrelay.Errorf(keyrelay.EINVALID, "ログイン情報が長すぎます。", "The login is too long.")
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return keyrelay.Errorf(keyrelay.EINVALID, "URLは https:// で始まる形式で入力してください。", "The base URL must be an absolute http(s) URL.")
		}
	}
	return nil
}

func (s *CredentialService) FindCredentials(ctx context.Context, destination, shopKey string) (*keyrelay.Credentials, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findCredentials(ctx, tx, destination, shopKey, true)
}

func (s *CredentialService) ListCredentials(ctx context.Context, destination string) ([]*keyrelay.Credentials, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	cs, _, err := listCredentials(ctx, tx, destination)
	return cs, err
}

func (s *CredentialService) DeleteCredentials(ctx context.Context, id int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM credentials WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("sqlite: delete credentials: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return keyrelay.Errorf(keyrelay.ENOTFOUND, "ログイン情報 %d が見つかりません。", "Login %d not found.", id)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: delete credentials: %w", err)
	}
	return nil
}

// listCredentials returns destination's credentials without passwords, and
// their sealed passwords by id.
func listCredentials(ctx context.Context, tx *Tx, destination string) ([]*keyrelay.Credentials, map[int64][]byte, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, destination, shop_key, base_url, login_id, password_sealed, updated_at
		FROM credentials WHERE destination = ? ORDER BY shop_key`, destination)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: list credentials: %w", err)
	}
	defer rows.Close()
	var cs []*keyrelay.Credentials
	sealed := map[int64][]byte{}
	for rows.Next() {
		var c keyrelay.Credentials
		var pw []byte
		if err := rows.Scan(&c.ID, &c.Destination, &c.ShopKey, &c.BaseURL, &c.LoginID, &pw, scanTime(&c.UpdatedAt)); err != nil {
			return nil, nil, fmt.Errorf("sqlite: list credentials: %w", err)
		}
		cs = append(cs, &c)
		sealed[c.ID] = pw
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("sqlite: list credentials: %w", err)
	}
	return cs, sealed, nil
}

// findCredentials picks the credentials for shopKey: an exact match, else
// the default ones (ShopKey "", set without naming a shop) when they are the
// only ones configured for destination, so a single-shop operator need not
// care about shop keys. Credentials set for a named shop are never used for
// another shop, and with several and no match it is ENOTFOUND rather than a
// guess: posting a key into another shop's GoQ is worse than waiting.
func findCredentials(ctx context.Context, tx *Tx, destination, shopKey string, decrypt bool) (*keyrelay.Credentials, error) {
	cs, sealed, err := listCredentials(ctx, tx, destination)
	if err != nil {
		return nil, err
	}
	var found *keyrelay.Credentials
	for _, c := range cs {
		if c.ShopKey == shopKey {
			found = c
		}
	}
	if found == nil && len(cs) == 1 && cs[0].ShopKey == "" {
		found = cs[0]
	}
	if found == nil {
		return nil, keyrelay.Errorf(keyrelay.ENOTFOUND,
			"この店舗の %s ログイン情報が設定されていません。", "No %s login is configured for this shop.", destination)
	}
	if decrypt {
		pw, err := tx.db.sealer.Open(sealed[found.ID], credentialAAD(found.Destination, found.ShopKey))
		if err != nil {
			return nil, fmt.Errorf("sqlite: open password of credentials %d: %w", found.ID, err)
		}
		found.Password = string(pw)
	}
	return found, nil
}
