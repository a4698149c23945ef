package keyrelay

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Pairing statuses.
const (
	PairingPending  = "pending"
	PairingApproved = "approved"
	PairingRevoked  = "revoked"
	PairingExpired  = "expired"
)

// MaxPairingName bounds a pairing's name, in characters.
const MaxPairingName = 100

// ValidPairingName trims name and checks it: not empty, at most
// MaxPairingName characters, no control characters.
func ValidPairingName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", Errorf(EINVALID, "名前を入力してください。", "Enter a name.")
	}
	if utf8.RuneCountInString(name) > MaxPairingName || !utf8.ValidString(name) {
		return "", Errorf(EINVALID, "名前は%d文字までです。", "A name has at most %d characters.", MaxPairingName)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return "", Errorf(EINVALID, "名前に制御文字は使えません。", "A name cannot contain control characters.")
		}
	}
	return name, nil
}

// MaxClientName bounds the part of a default pairing name that the
// extension supplies (pair_request's client_name), in characters: the date
// and a " #2" still fit in MaxPairingName.
const MaxClientName = 60

// CleanClientName makes the name an extension gives itself fit to show. The
// name is the peer's claim, and the operator reads it beside the pairing
// code in the tray, on the pairings page and in `keyrelay pair list`, so
// nothing in it may recolour a terminal or reorder the text around it:
// whatever Printable would escape (control characters, bidi controls, bytes
// that are not UTF-8) is dropped, runs of white space become one space, and
// the rest is cut to MaxClientName characters.
func CleanClientName(s string) string {
	var b strings.Builder
	n := 0
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r): // before unsafeRune: a tab or newline separates words
			space = b.Len() > 0
			continue
		case unsafeRune(r):
			continue
		}
		need := 1
		if space {
			need = 2 // a space only before a character that fits too
		}
		if n+need > MaxClientName {
			break
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
		n += need
	}
	return b.String()
}

// PendingPairingTTL is how long an unapproved pairing request stays valid.
const PendingPairingTTL = 10 * time.Minute

// Pairing is one browser extension install the operator has (or has not yet)
// approved. ClientID is public; the secret lives sealed in the store.
type Pairing struct {
	ID         int64     `json:"id"`
	ClientID   string    `json:"client_id"`
	Name       string    `json:"name"`   // what the extension calls itself, e.g. "Chrome 131 / Linux"
	Origin     string    `json:"origin"` // chrome-extension://… or moz-extension://…
	Code       string    `json:"code"`   // 6 digits shown in both places, e.g. "482913"
	Status     string    `json:"status"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	ApprovedAt time.Time `json:"approved_at"`
	RevokedAt  time.Time `json:"revoked_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
}

// PairingFilter selects pairings; empty fields match all.
type PairingFilter struct {
	Status   string
	ClientID string
	Code     string
}

type PairingService interface {
	// CreatePairing stores a pending pairing. claimToken is known only to the
	// requesting connection; it is stored hashed and must be presented to
	// claim the secret after approval.
	CreatePairing(ctx context.Context, p *Pairing, claimToken string) error
	FindPairings(ctx context.Context, f PairingFilter) ([]*Pairing, error)
	// ApprovePairing approves the pending, unexpired pairing with this code
	// and generates its secret.
	ApprovePairing(ctx context.Context, code string) (*Pairing, error)
	RevokePairing(ctx context.Context, id int64) error
	// RenamePairing gives a pairing the operator's name for it (ValidPairingName).
	RenamePairing(ctx context.Context, id int64, name string) error
	// ClaimSecret returns the secret of an approved pairing to the holder of
	// its claim token, until the pairing first authenticates (TouchPairing);
	// later claims get ECONFLICT. A push lost with a dying connection can so
	// be claimed again, by the claim token's holder only.
	ClaimSecret(ctx context.Context, clientID, claimToken string) ([]byte, error)
	// PairingSecret returns the secret of an approved pairing, for the
	// challenge–response.
	PairingSecret(ctx context.Context, clientID string) ([]byte, error)
	// TouchPairing records a successful authentication; the first one
	// spends the claim token.
	TouchPairing(ctx context.Context, clientID string) error
	// ApprovedOrigins lists the origins of approved pairings, for the
	// WebSocket Origin allowlist.
	ApprovedOrigins(ctx context.Context) ([]string, error)
}
