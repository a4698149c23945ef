package reminder_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"keyrelay/internal/reminder"
	"keyrelay/internal/stamptest"
)

// An idle helper's reminder reads the board at an Interval tick only when
// the store changed, the JST date moved on, or the backstop passed.
func TestIntervalChecksOnlyWhenSomethingChanged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// synctest's clock starts at 2000/01/01 00:00 UTC, 09:00 JST.
		apps := &countingApps{}
		src := stamptest.New("a")
		r := &reminder.Reminder{Apps: apps, Log: nopLog{}, Interval: 5 * time.Minute, Settle: time.Second,
			Changes: src, Backstop: 24 * time.Hour}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go r.Run(ctx)
		synctest.Wait()
		want := int32(1)
		check := func(what string) {
			t.Helper()
			synctest.Wait()
			if got := apps.n.Load(); got != want {
				t.Fatalf("%s: %d checks, want %d", what, got, want)
			}
		}
		check("at start")

		time.Sleep(time.Hour) // 12 ticks
		check("an hour with nothing changed")

		src.Set("b") // a commit by any process
		time.Sleep(5 * time.Minute)
		want++
		check("the tick after a change")
		time.Sleep(time.Hour)
		check("an hour after that")

		// 00:00 JST is 15:00 UTC: the days left change.
		time.Sleep(time.Until(time.Date(2000, 1, 1, 15, 0, 0, 0, time.UTC)) + 5*time.Minute)
		want++
		check("the first tick of a new JST day")

		src.Set("") // the store cannot tell
		time.Sleep(5 * time.Minute)
		want++
		check("a tick with an unknown stamp")
	})
}

func TestIntervalChecksAtTheBackstop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		apps := &countingApps{}
		r := &reminder.Reminder{Apps: apps, Log: nopLog{}, Interval: 5 * time.Minute, Changes: stamptest.New("a")}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go r.Run(ctx)
		time.Sleep(reminder.DefaultBackstop - time.Second)
		synctest.Wait()
		if got := apps.n.Load(); got != 1 {
			t.Fatalf("checks before the backstop: %d, want 1", got)
		}
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		if got := apps.n.Load(); got != 2 {
			t.Fatalf("checks at the backstop: %d, want 2", got)
		}
	})
}
