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
		res, err := tx.ExecContext(ctx, `INSERT INTO credentials (destination, shop_key, base_url, login_id, settings_path, password_sealed, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.Destination, c.ShopKey, c.BaseURL, c.LoginID, c.SettingsPath, sealed, now, now)
		if err != nil {
			return fmt.Errorf("sqlite: set credentials: %w", err)
		}
		id, _ = res.LastInsertId()
	case c.Password == "":
		if _, err := tx.ExecContext(ctx, `UPDATE credentials SET base_url = ?, login_id = ?, settings_path = ?, updated_at = ? WHERE id = ?`,
			c.BaseURL, c.LoginID, c.SettingsPath, now, id); err != nil {
			return fmt.Errorf("sqlite: set credentials: %w", err)
		}
	default:
		sealed, err := s.db.sealer.Seal([]byte(c.Password), credentialAAD(c.Destination, c.ShopKey))
		if err != nil {
			return fmt.Errorf("sqlite: seal password: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE credentials SET base_url = ?, login_id = ?, settings_path = ?, password_sealed = ?, updated_at = ? WHERE id = ?`,
			c.BaseURL, c.LoginID, c.SettingsPath, sealed, now, id); err != nil {
			return fmt.Errorf("sqlite: set credentials: %w", err)
		}
	}
	// A login set for a named shop is that shop's, replacing the login it
	// had (the operator named the shop).
	if c.ShopKey != "" {
		if err := bindShop(ctx, tx, c.Destination, c.ShopKey, id); err != nil {
			return err
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
	c.SettingsPath = strings.TrimSpace(c.SettingsPath)
	if err := keyrelay.CheckSettingsPath(c.SettingsPath); err != nil {
		return err
	}
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
	return findCredentials(ctx, tx, destination, shopKey, false, true)
}

func (s *CredentialService) FindCredentialsByID(ctx context.Context, id int64) (*keyrelay.Credentials, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	c, sealed, err := credentialsByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := openPassword(tx, c, sealed); err != nil {
		return nil, err
	}
	return c, nil
}

func (s *CredentialService) ListCredentials(ctx context.Context, destination string) ([]*keyrelay.Credentials, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	cs, _, err := listCredentials(ctx, tx, `destination = ?`, destination)
	return cs, err
}

func (s *CredentialService) DeleteCredentials(ctx context.Context, id int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Its shops lose their login: their next deliveries wait for one.
	if _, err := tx.ExecContext(ctx, `DELETE FROM credential_shops WHERE credentials_id = ?`, id); err != nil {
		return fmt.Errorf("sqlite: delete credentials: %w", err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM credentials WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("sqlite: delete credentials: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return credentialsNotFound(id)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: delete credentials: %w", err)
	}
	return nil
}

func credentialsNotFound(id int64) error {
	return keyrelay.Errorf(keyrelay.ENOTFOUND, "ログイン情報 %d が見つかりません。", "Login %d not found.", id)
}

// AssignCredentials binds shopKey to login id (taking it from the login it
// had) and makes the shop's deliveries that wait for a login due now.
func (s *CredentialService) AssignCredentials(ctx context.Context, id int64, shopKey string, move bool) (int, error) {
	shopKey = strings.TrimSpace(shopKey)
	if shopKey == "" || shopKey == unknownShopKey || len(shopKey) > maxURLLen {
		return 0, keyrelay.Errorf(keyrelay.EINVALID, "割り当てる店舗を指定してください（店舗IDまたは店舗URL）。",
			"Name the shop to assign (RMS shop id or shop URL).")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	c, _, err := credentialsByID(ctx, tx, id)
	if err != nil {
		return 0, err
	}
	if move {
		if _, err := tx.ExecContext(ctx, `DELETE FROM credential_shops WHERE credentials_id = ? AND shop_key <> ?`, id, shopKey); err != nil {
			return 0, fmt.Errorf("sqlite: assign credentials: %w", err)
		}
	}
	if err := bindShop(ctx, tx, c.Destination, shopKey, id); err != nil {
		return 0, err
	}
	// A default login assigned by hand is never auto-bound afterwards.
	if _, err := tx.ExecContext(ctx, `UPDATE credentials SET auto_bound = 1 WHERE id = ?`, id); err != nil {
		return 0, fmt.Errorf("sqlite: assign credentials: %w", err)
	}
	now := formatTime(tx.now)
	res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = ?, next_attempt_at = ?, updated_at = ?
		WHERE status = ? AND destination = ? AND shop_id IN (SELECT id FROM shops WHERE key = ?)`,
		keyrelay.DeliveryPending, now, now, keyrelay.DeliveryWaitingLogin, c.Destination, shopKey)
	if err != nil {
		return 0, fmt.Errorf("sqlite: assign credentials: wake: %w", err)
	}
	n, _ := res.RowsAffected()
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: assign credentials: %w", err)
	}
	return int(n), nil
}

// UnassignCredentials unbinds shopKey from login id.
func (s *CredentialService) UnassignCredentials(ctx context.Context, id int64, shopKey string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, _, err := credentialsByID(ctx, tx, id); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM credential_shops WHERE credentials_id = ? AND shop_key = ?`, id, shopKey)
	if err != nil {
		return fmt.Errorf("sqlite: unassign credentials: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return keyrelay.Errorf(keyrelay.ENOTFOUND, "ログイン情報 %d はその店舗に割り当てられていません。",
			"Login %d is not assigned to that shop.", id)
	}
	// Unbinding is an operator's decision: the login must not drift back
	// to a shop by itself.
	if _, err := tx.ExecContext(ctx, `UPDATE credentials SET auto_bound = 1 WHERE id = ?`, id); err != nil {
		return fmt.Errorf("sqlite: unassign credentials: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: unassign credentials: %w", err)
	}
	return nil
}

// unknownShopKey is ShopRef.Key() of a capture that named no shop: no login
// is ever bound to it, since it may stand for any shop.
const unknownShopKey = "unknown"

func bindShop(ctx context.Context, tx *Tx, destination, shopKey string, id int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO credential_shops (destination, shop_key, credentials_id, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (destination, shop_key) DO UPDATE SET credentials_id = excluded.credentials_id, created_at = excluded.created_at`,
		destination, shopKey, id, formatTime(tx.now)); err != nil {
		return fmt.Errorf("sqlite: bind shop: %w", err)
	}
	return nil
}

const credentialColumns = `id, destination, shop_key, base_url, login_id, settings_path, password_sealed, updated_at,
	shop_key = '' AND auto_bound = 0,
	COALESCE((SELECT group_concat(shop_key, char(10)) FROM (SELECT shop_key FROM credential_shops b WHERE b.credentials_id = credentials.id ORDER BY shop_key)), '')`

// listCredentials returns the credentials matching where, without
// passwords, and their sealed passwords by id.
func listCredentials(ctx context.Context, tx *Tx, where string, args ...any) ([]*keyrelay.Credentials, map[int64][]byte, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+credentialColumns+` FROM credentials WHERE `+where+` ORDER BY shop_key, id`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: list credentials: %w", err)
	}
	defer rows.Close()
	var cs []*keyrelay.Credentials
	sealed := map[int64][]byte{}
	for rows.Next() {
		var c keyrelay.Credentials
		var pw []byte
		var shops string
		if err := rows.Scan(&c.ID, &c.Destination, &c.ShopKey, &c.BaseURL, &c.LoginID, &c.SettingsPath, &pw, scanTime(&c.UpdatedAt), &c.Unclaimed, &shops); err != nil {
			return nil, nil, fmt.Errorf("sqlite: list credentials: %w", err)
		}
		c.Shops = []string{}
		if shops != "" {
			c.Shops = strings.Split(shops, "\n")
		}
		cs = append(cs, &c)
		sealed[c.ID] = pw
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("sqlite: list credentials: %w", err)
	}
	return cs, sealed, nil
}

func credentialsByID(ctx context.Context, tx *Tx, id int64) (*keyrelay.Credentials, []byte, error) {
	cs, sealed, err := listCredentials(ctx, tx, `id = ?`, id)
	if err != nil {
		return nil, nil, err
	}
	if len(cs) == 0 {
		return nil, nil, credentialsNotFound(id)
	}
	return cs[0], sealed[id], nil
}

func openPassword(tx *Tx, c *keyrelay.Credentials, sealed []byte) error {
	pw, err := tx.db.sealer.Open(sealed, credentialAAD(c.Destination, c.ShopKey))
	if err != nil {
		return fmt.Errorf("sqlite: open password of credentials %d: %w", c.ID, err)
	}
	c.Password = string(pw)
	return nil
}

// findCredentials returns the login bound to shopKey. With bind (a write
// transaction that is about to give the shop a delivery) a shop without a
// login takes the default login when that has never been bound: the "one
// shop only" login becomes the first using shop's, and stays so. There is no
// other fallback: posting a key into another shop's GoQ account is worse
// than waiting, so a shop with no login of its own is ENOTFOUND.
func findCredentials(ctx context.Context, tx *Tx, destination, shopKey string, bind, decrypt bool) (*keyrelay.Credentials, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT credentials_id FROM credential_shops WHERE destination = ? AND shop_key = ?`,
		destination, shopKey).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows) && bind && shopKey != "" && shopKey != unknownShopKey:
		err = tx.QueryRowContext(ctx, `SELECT id FROM credentials WHERE destination = ? AND shop_key = '' AND auto_bound = 0
			AND NOT EXISTS (SELECT 1 FROM credential_shops b WHERE b.credentials_id = credentials.id)`, destination).Scan(&id)
		if err == nil {
			if err := bindShop(ctx, tx, destination, shopKey, id); err != nil {
				return nil, err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE credentials SET auto_bound = 1 WHERE id = ?`, id); err != nil {
				return nil, fmt.Errorf("sqlite: bind default login: %w", err)
			}
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, keyrelay.Errorf(keyrelay.ENOTFOUND,
			"この店舗の %s ログイン情報が設定されていません。", "No %s login is configured for this shop.", destination)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find credentials: %w", err)
	}
	c, sealed, err := credentialsByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if decrypt {
		if err := openPassword(tx, c, sealed); err != nil {
			return nil, err
		}
	}
	return c, nil
}
