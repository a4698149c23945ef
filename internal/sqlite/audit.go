package sqlite

import (
	"context"
	"fmt"
	"strings"

	"keyrelay/internal/keyrelay"
)

// AuditService implements keyrelay.AuditService.
type AuditService struct{ db *DB }

var _ keyrelay.AuditService = (*AuditService)(nil)

func NewAuditService(db *DB) *AuditService { return &AuditService{db: db} }

// Bounds keep a flood of refusals from bloating the file with long fields.
const maxAuditField = 512

func clip(s string) string {
	if len(s) <= maxAuditField {
		return s
	}
	return strings.ToValidUTF8(s[:maxAuditField], "")
}

// RecordAudit stores e, setting ID and, when zero, At.
func (s *AuditService) RecordAudit(ctx context.Context, e *keyrelay.AuditEvent) error {
	if e == nil || e.Kind == "" {
		return keyrelay.Errorf(keyrelay.EINVALID, "監査イベントの種類がありません。", "The audit event has no kind.")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if e.At.IsZero() {
		e.At = tx.now
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO audit_events (at, kind, remote, origin, client_id, reason) VALUES (?, ?, ?, ?, ?, ?)`,
		formatTime(e.At), clip(e.Kind), clip(e.Remote), clip(e.Origin), clip(e.ClientID), clip(e.Reason))
	if err != nil {
		return fmt.Errorf("sqlite: record audit: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: record audit: %w", err)
	}
	e.ID, _ = res.LastInsertId()
	return nil
}

// FindAuditEvents returns events newest first, before f.BeforeID when set.
func (s *AuditService) FindAuditEvents(ctx context.Context, f keyrelay.AuditFilter) ([]*keyrelay.AuditEvent, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	} else if limit > 1000 {
		limit = 1000
	}
	before := f.BeforeID
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, at, kind, remote, origin, client_id, reason FROM audit_events
		WHERE id < ? ORDER BY id DESC LIMIT ?`, before, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find audit events: %w", err)
	}
	defer rows.Close()
	var es []*keyrelay.AuditEvent
	for rows.Next() {
		var e keyrelay.AuditEvent
		if err := rows.Scan(&e.ID, scanTime(&e.At), &e.Kind, &e.Remote, &e.Origin, &e.ClientID, &e.Reason); err != nil {
			return nil, fmt.Errorf("sqlite: find audit events: %w", err)
		}
		es = append(es, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: find audit events: %w", err)
	}
	return es, nil
}
