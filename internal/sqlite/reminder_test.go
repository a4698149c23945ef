package sqlite_test

import (
	"context"
	"testing"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

func TestReminderService(t *testing.T) {
	ctx := context.Background()
	outer := t
	e := newEnv(t)
	shop := mustCreate(t, e, newCapture("1", "A", testKey)).ShopID

	mark := func(t *testing.T, svc *sqlite.ReminderService, threshold int, expiry string, want bool) {
		t.Helper()
		got, err := svc.MarkReminderShown(ctx, shop, "dev", "A", "expiry", threshold, expiry)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("MarkReminderShown(%d, %q) first = %v, want %v", threshold, expiry, got, want)
		}
	}

	t.Run("each reminder is new once", func(t *testing.T) {
		svc := sqlite.NewReminderService(e.db)
		mark(t, svc, 14, "2026/06/09", true)
		mark(t, svc, 14, "2026/06/09", false)
		mark(t, svc, 3, "2026/06/09", true)
		mark(t, svc, 14, "2026/09/01", true) // a new expiry starts a new round
	})

	t.Run("survives reopening the file", func(t *testing.T) {
		dir := e.dir
		if err := e.db.Close(); err != nil {
			t.Fatal(err)
		}
		e = openEnv(outer, dir) // closed when the whole test ends, not this subtest
		svc := sqlite.NewReminderService(e.db)
		mark(t, svc, 14, "2026/06/09", false)
		mark(t, svc, 1, "2026/06/09", true)
	})

	t.Run("clear forgets one kind of one app", func(t *testing.T) {
		svc := sqlite.NewReminderService(e.db)
		upd := func(want bool) {
			t.Helper()
			got, err := svc.MarkReminderShown(ctx, shop, "dev", "A", keyrelay.AlertUpdatePending, 0, "")
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("update reminder first = %v, want %v", got, want)
			}
		}
		upd(true)
		upd(false)
		if err := svc.ClearReminders(ctx, shop, "dev", "A", keyrelay.AlertUpdatePending); err != nil {
			t.Fatal(err)
		}
		upd(true)
		mark(t, svc, 14, "2026/06/09", false) // other kinds untouched
	})
}
