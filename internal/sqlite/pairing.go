package sqlite

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"keyrelay/internal/keyrelay"
)

// PairingService implements keyrelay.PairingService.
type PairingService struct{ db *DB }

var _ keyrelay.PairingService = (*PairingService)(nil)

func NewPairingService(db *DB) *PairingService { return &PairingService{db: db} }

// PairingSecretSize is the length of a per-client secret.
const PairingSecretSize = 32

func pairingAAD(clientID string) []byte { return []byte("pairing:" + clientID) }

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// CreatePairing stores p as pending. It fills ClientID ("c_" + 16 random
// hex chars) when empty, and always Code, Status, CreatedAt and ExpiresAt.
func (s *PairingService) CreatePairing(ctx context.Context, p *keyrelay.Pairing, claimToken string) error {
	if p == nil || len(claimToken) < 16 {
		return keyrelay.Errorf(keyrelay.EINVALID, "ペアリング要求が不正です。", "Invalid pairing request.")
	}
	if strings.TrimSpace(p.Origin) == "" || len(p.Origin) > maxURLLen || len(p.Name) > maxTextLen || len(p.ClientID) > 64 {
		return keyrelay.Errorf(keyrelay.EINVALID, "ペアリング要求の送信元が不正です。", "The pairing request's origin is invalid.")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	if err := expirePairings(ctx, tx); err != nil {
		return err
	}
	if err := makeRoomForPairing(ctx, tx); err != nil {
		return err
	}
	if p.ClientID == "" {
		b := make([]byte, 8)
		if _, err := rand.Read(b); err != nil {
			return fmt.Errorf("sqlite: create pairing: %w", err)
		}
		p.ClientID = "c_" + hex.EncodeToString(b)
	}
	code, err := freeCode(ctx, tx)
	if err != nil {
		return err
	}
	p.ID, p.Code, p.Status = 0, code, keyrelay.PairingPending
	p.CreatedAt, p.ExpiresAt = tx.now, tx.now.Add(keyrelay.PendingPairingTTL)
	p.ApprovedAt, p.RevokedAt, p.LastSeenAt = time.Time{}, time.Time{}, time.Time{}
	res, err := tx.ExecContext(ctx, `INSERT INTO pairings (client_id, name, origin, code, status, claim_hash, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ClientID, p.Name, p.Origin, p.Code, p.Status, hashToken(claimToken), formatTime(p.CreatedAt), formatTime(p.ExpiresAt))
	if isUniqueViolation(err) {
		return keyrelay.Errorf(keyrelay.ECONFLICT, "このクライアントIDは既に使われています。", "This client id is already in use.")
	} else if err != nil {
		return fmt.Errorf("sqlite: create pairing: %w", err)
	}
	p.ID, _ = res.LastInsertId()
	return tx.Commit()
}

// freeCode draws 6-digit codes until one is not held by a pending pairing.
func freeCode(ctx context.Context, tx *Tx) (string, error) {
	for range 20 {
		n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
		if err != nil {
			return "", fmt.Errorf("sqlite: pairing code: %w", err)
		}
		code := fmt.Sprintf("%06d", n.Int64())
		var taken int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM pairings WHERE code = ? AND status = ?`, code, keyrelay.PairingPending).Scan(&taken); err != nil {
			return "", fmt.Errorf("sqlite: pairing code: %w", err)
		}
		if taken == 0 {
			return code, nil
		}
	}
	return "", keyrelay.Errorf(keyrelay.ECONFLICT, "ペアリング要求が多すぎます。しばらくしてから再度お試しください。", "Too many pairing requests; try again later.")
}

// expirePairings stores the expiry of pending pairings whose time is up, so
// their codes are free again.
func expirePairings(ctx context.Context, tx *Tx) error {
	if _, err := tx.ExecContext(ctx, `UPDATE pairings SET status = ? WHERE status = ? AND expires_at <= ?`,
		keyrelay.PairingExpired, keyrelay.PairingPending, formatTime(tx.now)); err != nil {
		return fmt.Errorf("sqlite: expire pairings: %w", err)
	}
	return nil
}

// makeRoomForPairing deletes expired requests (they can never be approved
// and only lengthen the list) and, when MaxPendingPairings are pending,
// the oldest of them, so the new one fits. A connection waiting on a dropped
// request is told it was rejected.
func makeRoomForPairing(ctx context.Context, tx *Tx) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM pairings WHERE status = ?`, keyrelay.PairingExpired); err != nil {
		return fmt.Errorf("sqlite: delete expired pairings: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM pairings WHERE id IN (
		SELECT id FROM pairings WHERE status = ? ORDER BY id DESC LIMIT -1 OFFSET ?)`,
		keyrelay.PairingPending, keyrelay.MaxPendingPairings-1); err != nil {
		return fmt.Errorf("sqlite: drop oldest pending pairings: %w", err)
	}
	return nil
}

// pairingStatus reports a pending pairing past its time as expired even
// before expirePairings has stored it.
const pairingStatus = `CASE WHEN status = 'pending' AND expires_at <= ? THEN 'expired' ELSE status END`

const pairingColumns = `id, client_id, name, origin, code, ` + pairingStatus + `, created_at, expires_at, approved_at, revoked_at, last_seen_at`

func findPairingsWhere(ctx context.Context, tx *Tx, where string, args ...any) ([]*keyrelay.Pairing, error) {
	args = append([]any{formatTime(tx.now)}, args...)
	rows, err := tx.QueryContext(ctx, `SELECT `+pairingColumns+` FROM pairings WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find pairings: %w", err)
	}
	defer rows.Close()
	var ps []*keyrelay.Pairing
	for rows.Next() {
		var p keyrelay.Pairing
		if err := rows.Scan(&p.ID, &p.ClientID, &p.Name, &p.Origin, &p.Code, &p.Status, scanTime(&p.CreatedAt), scanTime(&p.ExpiresAt),
			scanTime(&p.ApprovedAt), scanTime(&p.RevokedAt), scanTime(&p.LastSeenAt)); err != nil {
			return nil, fmt.Errorf("sqlite: find pairings: %w", err)
		}
		ps = append(ps, &p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: find pairings: %w", err)
	}
	return ps, nil
}

func (s *PairingService) FindPairings(ctx context.Context, f keyrelay.PairingFilter) ([]*keyrelay.Pairing, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	where, args := []string{"1"}, []any{}
	if f.Status != "" {
		where, args = append(where, pairingStatus+` = ?`), append(args, formatTime(tx.now), f.Status)
	}
	if f.ClientID != "" {
		where, args = append(where, `client_id = ?`), append(args, f.ClientID)
	}
	if f.Code != "" {
		where, args = append(where, `code = ?`), append(args, f.Code)
	}
	return findPairingsWhere(ctx, tx, strings.Join(where, " AND ")+` ORDER BY id DESC`, args...)
}

func (s *PairingService) ApprovePairing(ctx context.Context, code string) (*keyrelay.Pairing, error) {
	code = strings.TrimSpace(code)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	// Look before expiring, so an expired code gets its own message.
	ps, err := findPairingsWhere(ctx, tx, `code = ? AND status = ? ORDER BY id DESC`, code, keyrelay.PairingPending)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, keyrelay.Errorf(keyrelay.ENOTFOUND,
			"コード %s の承認待ちペアリングはありません。", "No pending pairing has code %s.", sanitizeCode(code))
	}
	if live := livePairings(ps); len(live) > 1 {
		// The operator cannot tell which one their browser made: approving
		// either could hand the secret to someone else.
		return nil, keyrelay.Errorf(keyrelay.ECONFLICT,
			"コード %s のペアリング要求が %d 件あり、どれか決められません。承認せず、拡張機能で再ペアリングしてください。",
			"%[2]d pending pairing requests have code %[1]s; which one is yours cannot be told. Nothing was approved: pair again from the extension.",
			live[0].Code, len(live))
	}
	p := ps[0]
	if p.Status == keyrelay.PairingExpired {
		return nil, keyrelay.Errorf(keyrelay.ENOTFOUND,
			"コード %s のペアリング要求は期限切れです。拡張機能からもう一度ペアリングしてください。",
			"The pairing request with code %s has expired; pair again from the extension.", p.Code)
	}
	secret := make([]byte, PairingSecretSize)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("sqlite: approve pairing: %w", err)
	}
	sealed, err := s.db.sealer.Seal(secret, pairingAAD(p.ClientID))
	if err != nil {
		return nil, fmt.Errorf("sqlite: approve pairing: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE pairings SET status = ?, secret_sealed = ?, approved_at = ? WHERE id = ?`,
		keyrelay.PairingApproved, sealed, formatTime(tx.now), p.ID); err != nil {
		return nil, fmt.Errorf("sqlite: approve pairing: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: approve pairing: %w", err)
	}
	p.Status, p.ApprovedAt = keyrelay.PairingApproved, tx.now
	return p, nil
}

func livePairings(ps []*keyrelay.Pairing) []*keyrelay.Pairing {
	var live []*keyrelay.Pairing
	for _, p := range ps {
		if p.Status == keyrelay.PairingPending {
			live = append(live, p)
		}
	}
	return live
}

// sanitizeCode keeps operator input out of messages unless it looks like a code.
func sanitizeCode(code string) string {
	if len(code) == 6 && strings.Trim(code, "0123456789") == "" {
		return code
	}
	return "(不正な形式 / malformed)"
}

func (s *PairingService) RevokePairing(ctx context.Context, id int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE pairings SET status = ?, secret_sealed = NULL, revoked_at = ? WHERE id = ?`,
		keyrelay.PairingRevoked, formatTime(tx.now), id)
	if err != nil {
		return fmt.Errorf("sqlite: revoke pairing: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return keyrelay.Errorf(keyrelay.ENOTFOUND, "ペアリング %d が見つかりません。", "Pairing %d not found.", id)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: revoke pairing: %w", err)
	}
	return nil
}

// RenamePairing sets the operator's name for a pairing.
func (s *PairingService) RenamePairing(ctx context.Context, id int64, name string) error {
	name, err := keyrelay.ValidPairingName(name)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE pairings SET name = ?, renamed_at = ? WHERE id = ?`, name, formatTime(tx.now), id)
	if err != nil {
		return fmt.Errorf("sqlite: rename pairing: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return keyrelay.Errorf(keyrelay.ENOTFOUND, "ペアリング %d が見つかりません。", "Pairing %d not found.", id)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: rename pairing: %w", err)
	}
	return nil
}

// pairingRow is what the secret-handling methods read.
type pairingRow struct {
	status    string
	claimHash []byte
	sealed    []byte
	claimedAt string
}

func findPairingRow(ctx context.Context, tx *Tx, clientID string) (*pairingRow, error) {
	var r pairingRow
	err := tx.QueryRowContext(ctx, `SELECT `+pairingStatus+`, claim_hash, secret_sealed, claimed_at FROM pairings WHERE client_id = ?`,
		formatTime(tx.now), clientID).Scan(&r.status, &r.claimHash, &r.sealed, &r.claimedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, keyrelay.Errorf(keyrelay.ENOTFOUND, "このクライアントはペアリングされていません。", "This client is not paired.")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find pairing: %w", err)
	}
	return &r, nil
}

func notApproved(status string) error {
	if status == keyrelay.PairingPending {
		return keyrelay.Errorf(keyrelay.EFORBIDDEN, "ペアリングはまだ承認されていません。", "The pairing has not been approved yet.")
	}
	return keyrelay.Errorf(keyrelay.EFORBIDDEN, "ペアリングは無効です（状態: %s）。もう一度ペアリングしてください。",
		"The pairing is no longer valid (status: %s); pair again.", status)
}

func (s *PairingService) ClaimSecret(ctx context.Context, clientID, claimToken string) ([]byte, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r, err := findPairingRow(ctx, tx, clientID)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(r.claimHash, hashToken(claimToken)) != 1 {
		return nil, keyrelay.Errorf(keyrelay.EUNAUTHORIZED, "ペアリングの確認に失敗しました。", "The pairing claim token is wrong.")
	}
	if r.status != keyrelay.PairingApproved {
		return nil, notApproved(r.status)
	}
	if r.claimedAt != "" {
		return nil, keyrelay.Errorf(keyrelay.ECONFLICT, "このペアリングの秘密鍵は受け取り済みです。", "The pairing secret has already been claimed.")
	}
	secret, err := s.db.sealer.Open(r.sealed, pairingAAD(clientID))
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim secret: %w", err)
	}
	// claimed_at is set by the first authentication (TouchPairing), not
	// here: a push to a connection that died on the way must not strand the
	// extension, which still holds the claim token and may ask again.
	return secret, nil
}

func (s *PairingService) PairingSecret(ctx context.Context, clientID string) ([]byte, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r, err := findPairingRow(ctx, tx, clientID)
	if err != nil {
		return nil, err
	}
	if r.status != keyrelay.PairingApproved {
		return nil, notApproved(r.status)
	}
	secret, err := s.db.sealer.Open(r.sealed, pairingAAD(clientID))
	if err != nil {
		return nil, fmt.Errorf("sqlite: pairing secret: %w", err)
	}
	return secret, nil
}

func (s *PairingService) TouchPairing(ctx context.Context, clientID string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The first authentication proves the extension holds its secret: from
	// then on the claim token is spent.
	res, err := tx.ExecContext(ctx, `UPDATE pairings SET last_seen_at = ?1,
		claimed_at = CASE WHEN claimed_at = '' THEN ?1 ELSE claimed_at END WHERE client_id = ?2`, formatTime(tx.now), clientID)
	if err != nil {
		return fmt.Errorf("sqlite: touch pairing: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return keyrelay.Errorf(keyrelay.ENOTFOUND, "このクライアントはペアリングされていません。", "This client is not paired.")
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: touch pairing: %w", err)
	}
	return nil
}

func (s *PairingService) ApprovedOrigins(ctx context.Context) ([]string, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT origin FROM pairings WHERE status = ? ORDER BY origin`, keyrelay.PairingApproved)
	if err != nil {
		return nil, fmt.Errorf("sqlite: approved origins: %w", err)
	}
	defer rows.Close()
	var origins []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, fmt.Errorf("sqlite: approved origins: %w", err)
		}
		origins = append(origins, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: approved origins: %w", err)
	}
	return origins, nil
}
