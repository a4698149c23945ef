package tray

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/godbus/dbus/v5"
)

// watcherName is the StatusNotifier host registry fyne.io/systray talks to on
// Linux and the BSDs. With no owner, an icon would be exported into the void.
const watcherName = "org.kde.StatusNotifierWatcher"

// Available reports whether a tray icon can be shown here and, if not, why
// (one line, Japanese and English). On Linux and the BSDs that takes a session
// bus with a StatusNotifierWatcher on it; macOS and Windows always have a tray.
func Available() (ok bool, why string) {
	return available(context.Background(), 0)
}

// available waits up to wait for a watcher to appear: started from autostart
// at login, the helper may come up before the panel does.
func available(ctx context.Context, wait time.Duration) (ok bool, why string) {
	switch runtime.GOOS {
	case "darwin", "windows":
		return true, ""
	}
	ctx, cancel := context.WithTimeout(ctx, wait+5*time.Second)
	defer cancel()
	conn, err := sessionBus(ctx)
	if err != nil {
		return false, fmt.Sprintf("D-Busのセッションバスがありません (no D-Bus session bus: %v)", err)
	}
	defer conn.Close()
	deadline := time.Now().Add(wait)
	for {
		var owned bool
		err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, watcherName).Store(&owned)
		if err != nil {
			return false, fmt.Sprintf("D-Busのセッションバスに問い合わせできません (session bus not answering: %v)", err)
		}
		if owned {
			return true, ""
		}
		if time.Now().After(deadline) {
			return false, "トレイ（StatusNotifierWatcher）がありません (no StatusNotifier host on the session bus)"
		}
		select {
		case <-ctx.Done():
			return false, "トレイ（StatusNotifierWatcher）がありません (no StatusNotifier host on the session bus)"
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// sessionBus connects to the session bus without ever launching one: a
// helper started without a desktop session should stay headless, not spawn
// a bus nobody listens on. It honours DBUS_SESSION_BUS_ADDRESS, then
// /run/user/<uid>/bus, as fyne.io/systray will.
func sessionBus(ctx context.Context) (*dbus.Conn, error) {
	type result struct {
		conn *dbus.Conn
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		conn, err := dbus.SessionBusPrivateNoAutoStartup(dbus.WithContext(ctx))
		if err == nil {
			if err = conn.Auth(nil); err == nil {
				err = conn.Hello()
			}
			if err != nil {
				conn.Close()
				conn = nil
			}
		}
		ch <- result{conn, err}
	}()
	select {
	case r := <-ch:
		return r.conn, r.err
	case <-ctx.Done():
		// A bus that accepts the socket but never answers; the goroutine
		// ends when its own context (the same ctx) closes the connection.
		return nil, errors.New("timed out")
	}
}
