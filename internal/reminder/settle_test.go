package reminder_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/reminder"
)

// countingApps counts how often the board is read.
type countingApps struct{ n atomic.Int32 }

func (c *countingApps) FindAppStatuses(context.Context) ([]*keyrelay.AppStatus, error) {
	c.n.Add(1)
	return nil, nil
}

type nopLog struct{}

func (nopLog) MarkReminderShown(context.Context, int64, string, string, string, int, string) (bool, error) {
	return true, nil
}
func (nopLog) ClearReminders(context.Context, int64, string, string, string) error { return nil }

// A burst of captures wakes the reminder once per capture; it reads the
// board once per Settle, not once per wake.
func TestWakesSettleIntoOneCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		apps := &countingApps{}
		r := &reminder.Reminder{Apps: apps, Log: nopLog{}, Interval: time.Hour, Settle: time.Second}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go r.Run(ctx)
		synctest.Wait()
		if got := apps.n.Load(); got != 1 {
			t.Fatalf("checks at start: %d, want 1", got)
		}
		for range 100 {
			r.Wake()
			synctest.Wait()
		}
		if got := apps.n.Load(); got != 1 {
			t.Fatalf("checks right after 100 wakes: %d, want 1 (the one at start)", got)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if got := apps.n.Load(); got != 2 {
			t.Fatalf("checks a Settle after the wakes: %d, want 2", got)
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if got := apps.n.Load(); got != 2 {
			t.Fatalf("checks when nothing woke it: %d, want still 2", got)
		}
	})
}
