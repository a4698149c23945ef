package tray_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/stamptest"
	"keyrelay/internal/tray"
)

// An idle tray's ticks read nothing until something it shows can have
// changed.
func TestTickRedrawsOnlyWhenSomethingChanged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// synctest's clock starts at 2000/01/01 00:00 UTC, 09:00 JST.
		core := &fakeCore{quit: make(chan struct{})}
		src := stamptest.New("a")
		l := &tray.Loop{Core: core, Surface: &fakeSurface{}, Interval: 10 * time.Second, Changes: src,
			Open: func(string) error { return nil }}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := l.Start(ctx)
		defer func() { cancel(); <-done }()
		want := 1
		check := func(what string) {
			t.Helper()
			synctest.Wait()
			core.mu.Lock()
			got := core.reads
			core.mu.Unlock()
			if got != want {
				t.Fatalf("%s: %d redraws, want %d", what, got, want)
			}
		}
		check("at start")
		time.Sleep(10 * time.Minute)
		check("60 ticks with nothing changed")

		src.Set("b") // a commit by any process
		time.Sleep(10 * time.Second)
		want++
		check("the tick after a commit")

		core.set(func() { core.problem = "ポート27415を開けません" })
		time.Sleep(10 * time.Second)
		want++
		check("the tick after a problem")

		core.set(func() { core.paused = true })
		time.Sleep(10 * time.Second)
		want++
		check("the tick after a pause")

		// A pairing request shown may expire: every tick looks again.
		core.set(func() { core.pairings = []*keyrelay.Pairing{{Code: "123456", Name: "Chrome"}} })
		src.Set("c")
		time.Sleep(30 * time.Second)
		want += 3
		check("ticks while a pairing request is shown")
		core.set(func() { core.pairings = nil })
		time.Sleep(30 * time.Second)
		want++
		check("ticks after it went")

		// 00:00 JST is 15:00 UTC: days left change. (On the way, the
		// hourly backstop redraws.)
		time.Sleep(time.Until(time.Date(2000, 1, 1, 14, 59, 50, 0, time.UTC)))
		synctest.Wait()
		core.mu.Lock()
		want = core.reads
		core.mu.Unlock()
		time.Sleep(20 * time.Second)
		want++
		check("the first tick of a new JST day")
	})
}
