package sqlite

import (
	"context"
	"fmt"
)

// ReminderService remembers which expiry and update reminders were shown
// (it implements reminder.Log).
type ReminderService struct{ db *DB }

func NewReminderService(db *DB) *ReminderService { return &ReminderService{db: db} }

// MarkReminderShown records one reminder and reports whether it is new. The
// UNIQUE key makes this safe against two helpers on one file: only one of
// them gets first=true.
func (s *ReminderService) MarkReminderShown(ctx context.Context, shopID int64, developer, appName, kind string, threshold int, expiry string) (first bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `
		INSERT INTO reminders (shop_id, developer, app_name, kind, threshold, expiry, shown_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (shop_id, developer, app_name, kind, threshold, expiry) DO NOTHING`,
		shopID, developer, appName, kind, threshold, expiry, formatTime(tx.now))
	if err != nil {
		return false, fmt.Errorf("sqlite: mark reminder: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite: mark reminder: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("sqlite: mark reminder: %w", err)
	}
	return n == 1, nil
}

// ClearReminders forgets an app's reminders of one kind.
func (s *ReminderService) ClearReminders(ctx context.Context, shopID int64, developer, appName, kind string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM reminders WHERE shop_id = ? AND developer = ? AND app_name = ? AND kind = ?`,
		shopID, developer, appName, kind); err != nil {
		return fmt.Errorf("sqlite: clear reminders: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: clear reminders: %w", err)
	}
	return nil
}
