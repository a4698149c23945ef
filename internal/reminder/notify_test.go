package reminder_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"keyrelay/internal/dbustest"
	"keyrelay/internal/reminder"
)

// privateBus starts a dbus-daemon of its own and points the session bus
// address at it for the rest of the test.
func privateBus(t *testing.T) string {
	t.Helper()
	addr := dbustest.SessionBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	return addr
}

// notificationServer is a stand-in notification daemon on the private bus.
type notificationServer struct{ got chan []string }

func (s *notificationServer) Notify(app string, id uint32, icon, summary, body string, actions []string,
	hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	urgency := ""
	if v, ok := hints["urgency"]; ok {
		urgency = v.String()
	}
	s.got <- []string{app, summary, body, urgency}
	return 1, nil
}

func TestDesktopNotifier(t *testing.T) {
	n := reminder.Notification{Title: "keyrelay: キーの期限まであと3日", Body: "「テスト店舗」の「GoQSystem」…\nThe license key…", Urgent: false}

	t.Run("over D-Bus to the notification daemon", func(t *testing.T) {
		addr := privateBus(t)
		conn, err := dbus.Connect(addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		srv := &notificationServer{got: make(chan []string, 1)}
		if err := conn.Export(srv, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
			t.Fatal(err)
		}
		if reply, err := conn.RequestName("org.freedesktop.Notifications", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
			t.Fatalf("RequestName = %v, %v", reply, err)
		}

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := (reminder.Desktop{NotifySend: "-"}).Notify(ctx, n); err != nil {
			t.Fatalf("Notify = %v", err)
		}
		select {
		case got := <-srv.got:
			want := []string{"keyrelay", n.Title, n.Body, "@y 0x1"}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("daemon got %q, want %q", got, want)
			}
		case <-ctx.Done():
			t.Fatal("the notification daemon heard nothing")
		}
	})

	t.Run("a bus without a notification daemon is ErrNoDesktop", func(t *testing.T) {
		privateBus(t)
		err := (reminder.Desktop{NotifySend: "-"}).Notify(context.Background(), n)
		if !errors.Is(err, reminder.ErrNoDesktop) {
			t.Errorf("Notify = %v, want ErrNoDesktop", err)
		}
	})

	t.Run("no session bus is ErrNoDesktop", func(t *testing.T) {
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "no-bus"))
		err := (reminder.Desktop{NotifySend: "-"}).Notify(context.Background(), n)
		if !errors.Is(err, reminder.ErrNoDesktop) {
			t.Errorf("Notify = %v, want ErrNoDesktop", err)
		}
	})

	t.Run("notify-send gets title and body as separate arguments", func(t *testing.T) {
		dir := t.TempDir()
		argsFile := filepath.Join(dir, "args")
		script := filepath.Join(dir, "notify-send")
		if err := os.WriteFile(script, []byte("#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done > "+argsFile+"\n"), 0o700); err != nil {
			t.Fatal(err)
		}
		urgent := n
		urgent.Urgent = true
		if err := (reminder.Desktop{NotifySend: script}).Notify(context.Background(), urgent); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(argsFile)
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
		want := []string{"--app-name=keyrelay", "--urgency=critical", "--", n.Title, n.Body}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("notify-send args %q, want %q", got, want)
		}
	})
}
