package keyrelay

import (
	"context"
	"time"
)

// LoginTokenTTL bounds how long a one-time login URL works.
const LoginTokenTTL = 2 * time.Minute

// SessionTTL bounds a history-page session.
const SessionTTL = 12 * time.Hour

// Session is a logged-in history page. Only hashes of tokens are stored.
type Session struct {
	ID        int64
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// SessionService backs the history page's login: `keyrelay open` (a separate
// process) creates a one-time token in the database; the helper redeems it.
type SessionService interface {
	CreateLoginToken(ctx context.Context) (token string, err error)
	// RedeemLoginToken consumes token (once, before it expires) and returns a
	// new session and its cookie value.
	RedeemLoginToken(ctx context.Context, token string) (s *Session, cookie string, err error)
	FindSession(ctx context.Context, cookie string) (*Session, error)
	DeleteSession(ctx context.Context, cookie string) error
}
