package main_test

import (
	"strings"
	"testing"
	"time"

	"keyrelay/internal/dbustest"
	"keyrelay/internal/helpertest"
)

// TestHeadlessWithoutTray starts the real helper without --no-tray where no
// tray can be shown — no D-Bus at all, and a session bus with no
// StatusNotifier host — and checks it says so once, serves, and stops
// cleanly on SIGTERM.
func TestHeadlessWithoutTray(t *testing.T) {
	for _, tc := range []struct {
		name, why string
		bus       bool
	}{
		{"no D-Bus", "no D-Bus session bus", false},
		{"session bus without a watcher", "no StatusNotifier host", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := []string{"DBUS_SESSION_BUS_ADDRESS="}
			if tc.bus {
				env[0] = "DBUS_SESSION_BUS_ADDRESS=" + dbustest.SessionBus(t)
			}
			// Not --no-tray: the helper must find out by itself.
			h := wrap(helpertest.Start(t, helpertest.Options{DataDir: t.TempDir(), Args: []string{"run"}, Env: env}))
			// The tray decides in its own goroutine, after the listener is up.
			if err := h.Log().WaitFor("no tray: running headless", 10*time.Second); err != nil {
				t.Fatalf("no 'running headless' line (%v); output:\n%s", err, h.output())
			}
			if !strings.Contains(h.output(), tc.why) {
				t.Fatalf("the headless line does not say %q; output:\n%s", tc.why, h.output())
			}
			h.stop(t)
			// Counted once the process is gone, so a late second line counts too.
			if n := strings.Count(h.output(), "no tray: running headless"); n != 1 {
				t.Fatalf("want exactly one 'running headless' line, got %d; output:\n%s", n, h.output())
			}
			if strings.Contains(h.output(), "panic") {
				t.Fatalf("panic in output:\n%s", h.output())
			}
		})
	}
}
