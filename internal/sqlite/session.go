package sqlite

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"keyrelay/internal/keyrelay"
)

// SessionService implements keyrelay.SessionService. Tokens and cookies are
// stored as SHA-256 hashes only, so a copy of the database logs no one in.
type SessionService struct{ db *DB }

var _ keyrelay.SessionService = (*SessionService)(nil)

func NewSessionService(db *DB) *SessionService { return &SessionService{db: db} }

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("sqlite: token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// csrfToken is derived from the cookie, so it needs no storage and is
// useless without it; knowing it does not reveal the cookie.
func csrfToken(cookie string) string {
	m := hmac.New(sha256.New, []byte(cookie))
	m.Write([]byte("keyrelay csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

var errLoginToken = keyrelay.Errorf(keyrelay.EUNAUTHORIZED,
	"ログインURLが無効か期限切れです。`keyrelay open` でもう一度開いてください。",
	"The login URL is invalid, used or expired. Run `keyrelay open` again.")

var errSession = keyrelay.Errorf(keyrelay.EUNAUTHORIZED,
	"ログインしていないか、セッションの期限が切れました。`keyrelay open` でもう一度開いてください。",
	"Not logged in, or the session expired. Run `keyrelay open` again.")

func (s *SessionService) CreateLoginToken(ctx context.Context) (string, error) {
	token, err := randomToken()
	if err != nil {
		return "", err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	if err := deleteExpiredSessions(ctx, tx); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO login_tokens (token_hash, created_at, expires_at) VALUES (?, ?, ?)`,
		hashToken(token), formatTime(tx.now), formatTime(tx.now.Add(keyrelay.LoginTokenTTL))); err != nil {
		return "", fmt.Errorf("sqlite: create login token: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("sqlite: create login token: %w", err)
	}
	return token, nil
}

func (s *SessionService) RedeemLoginToken(ctx context.Context, token string) (*keyrelay.Session, string, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()

	// Marking it used and checking it in one statement makes the token
	// single-use even with two redeemers racing.
	res, err := tx.ExecContext(ctx, `UPDATE login_tokens SET used_at = ? WHERE token_hash = ? AND used_at = '' AND expires_at > ?`,
		formatTime(tx.now), hashToken(token), formatTime(tx.now))
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: redeem login token: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, "", errLoginToken
	}
	cookie, err := randomToken()
	if err != nil {
		return nil, "", err
	}
	sess := &keyrelay.Session{CSRFToken: csrfToken(cookie), CreatedAt: tx.now, ExpiresAt: tx.now.Add(keyrelay.SessionTTL)}
	res, err = tx.ExecContext(ctx, `INSERT INTO sessions (cookie_hash, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?)`,
		hashToken(cookie), formatTime(sess.CreatedAt), formatTime(sess.ExpiresAt), formatTime(sess.CreatedAt))
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: create session: %w", err)
	}
	sess.ID, _ = res.LastInsertId()
	if err := tx.Commit(); err != nil {
		return nil, "", fmt.Errorf("sqlite: redeem login token: %w", err)
	}
	return sess, cookie, nil
}

func (s *SessionService) FindSession(ctx context.Context, cookie string) (*keyrelay.Session, error) {
	if cookie == "" {
		return nil, errSession
	}
	// Most page views find a session seen less than SessionSeenEvery ago:
	// a read, no write transaction (no fsync, no wait behind captures).
	sess, seen, err := s.findLiveSession(ctx, cookie)
	if err != nil {
		return nil, err
	}
	if seen.After(sess.readAt.Add(-keyrelay.SessionSeenEvery)) {
		return &sess.Session, nil
	}
	return s.touchSession(ctx, cookie)
}

// liveSession is a session row with the time it was read.
type liveSession struct {
	keyrelay.Session
	readAt time.Time
}

// findLiveSession returns the session of cookie if it has neither expired
// nor idled out, with its last_seen_at.
func (s *SessionService) findLiveSession(ctx context.Context, cookie string) (*liveSession, time.Time, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer tx.Rollback()
	now := formatTime(tx.now)
	sess := &liveSession{readAt: tx.now}
	var seen time.Time
	err = tx.QueryRowContext(ctx, `SELECT id, created_at, expires_at, last_seen_at FROM sessions
		WHERE cookie_hash = ? AND expires_at > ? AND last_seen_at > ?`,
		hashToken(cookie), now, formatTime(tx.now.Add(-keyrelay.SessionIdleTimeout))).
		Scan(&sess.ID, scanTime(&sess.CreatedAt), scanTime(&sess.ExpiresAt), scanTime(&seen))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, errSession
	} else if err != nil {
		return nil, time.Time{}, fmt.Errorf("sqlite: find session: %w", err)
	}
	sess.CSRFToken = csrfToken(cookie)
	return sess, seen, nil
}

// touchSession moves last_seen_at to now if the session is still live.
func (s *SessionService) touchSession(ctx context.Context, cookie string) (*keyrelay.Session, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// A session lives until its absolute expiry, and only while it is used:
	// one whose last_seen_at is SessionIdleTimeout old is over. Checking
	// and touching in one statement keeps the two in step (the read above
	// may be a moment old).
	now := formatTime(tx.now)
	res, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE cookie_hash = ? AND expires_at > ? AND last_seen_at > ?`,
		now, hashToken(cookie), now, formatTime(tx.now.Add(-keyrelay.SessionIdleTimeout)))
	if err != nil {
		return nil, fmt.Errorf("sqlite: find session: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, errSession
	}
	sess := &keyrelay.Session{}
	err = tx.QueryRowContext(ctx, `SELECT id, created_at, expires_at FROM sessions WHERE cookie_hash = ?`,
		hashToken(cookie)).Scan(&sess.ID, scanTime(&sess.CreatedAt), scanTime(&sess.ExpiresAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errSession
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find session: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: find session: %w", err)
	}
	sess.CSRFToken = csrfToken(cookie)
	return sess, nil
}

// DeleteSession logs out. Deleting an unknown cookie is not an error:
// logging out twice should just work.
func (s *SessionService) DeleteSession(ctx context.Context, cookie string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE cookie_hash = ?`, hashToken(cookie)); err != nil {
		return fmt.Errorf("sqlite: delete session: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: delete session: %w", err)
	}
	return nil
}

func deleteExpiredSessions(ctx context.Context, tx *Tx) error {
	now := formatTime(tx.now)
	if _, err := tx.ExecContext(ctx, `DELETE FROM login_tokens WHERE expires_at <= ?`, now); err != nil {
		return fmt.Errorf("sqlite: delete expired tokens: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?`,
		now, formatTime(tx.now.Add(-keyrelay.SessionIdleTimeout))); err != nil {
		return fmt.Errorf("sqlite: delete expired sessions: %w", err)
	}
	return nil
}
