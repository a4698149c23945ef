package keyrelay

import (
	"context"
	"time"
)

// Audit event kinds. Reasons are free text but never contain a secret.
const (
	AuditHostRefused    = "host_refused"
	AuditOriginRefused  = "origin_refused"
	AuditMessageRefused = "message_refused"
	AuditAuthFailed     = "auth_failed"
	AuditAuthOK         = "auth_ok"
	AuditPairRequested  = "pair_requested"
	AuditPairApproved   = "pair_approved"
	AuditPairRevoked    = "pair_revoked"
	AuditPairRenamed    = "pair_renamed"
	AuditLogin          = "login"
	AuditLoginRefused   = "login_refused"
	AuditCSRFRefused    = "csrf_refused"
	AuditRateLimited    = "rate_limited"
	AuditSettingsSaved  = "settings_saved"
)

type AuditEvent struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Kind     string    `json:"kind"`
	Remote   string    `json:"remote"`
	Origin   string    `json:"origin"`
	ClientID string    `json:"client_id"`
	Reason   string    `json:"reason"`
}

type AuditFilter struct {
	BeforeID int64
	Limit    int
}

type AuditService interface {
	RecordAudit(ctx context.Context, e *AuditEvent) error
	FindAuditEvents(ctx context.Context, f AuditFilter) ([]*AuditEvent, error)
}

// AuditIsRefusal reports whether an event of this kind records something
// refused (logged as a warning and rate-limited, because a hostile client
// can cause any number of them) rather than an action the operator or a
// paired extension took, which is always recorded.
func AuditIsRefusal(kind string) bool {
	switch kind {
	case AuditHostRefused, AuditOriginRefused, AuditMessageRefused, AuditAuthFailed,
		AuditLoginRefused, AuditCSRFRefused, AuditRateLimited, AuditPeerRefused, AuditConnEvicted:
		return true
	}
	return false
}
