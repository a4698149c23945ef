package reminder_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"keyrelay/internal/reminder"
)

// A shop or app name read off a web page carries markup; daemons that render
// body markup must show it as text, not as a link or an image.
func TestNotificationBodyMarkupEscaped(t *testing.T) {
	n := reminder.Notification{Title: "keyrelay: 期限", Body: `「<a href="https://evil.example">ここをクリック</a>」 & <img src="file:///etc/passwd"> 'x'`}
	want := `「&lt;a href=&quot;https://evil.example&quot;&gt;ここをクリック&lt;/a&gt;」 &amp; &lt;img src=&quot;file:///etc/passwd&quot;&gt; &apos;x&apos;`

	t.Run("D-Bus", func(t *testing.T) {
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
			t.Fatal(err)
		}
		select {
		case got := <-srv.got:
			if got[2] != want {
				t.Errorf("daemon got body %q, want %q", got[2], want)
			}
		case <-ctx.Done():
			t.Fatal("the notification daemon heard nothing")
		}
	})

	t.Run("notify-send", func(t *testing.T) {
		dir := t.TempDir()
		argsFile := filepath.Join(dir, "args")
		script := filepath.Join(dir, "notify-send")
		if err := os.WriteFile(script, []byte("#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done > "+argsFile+"\n"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := (reminder.Desktop{NotifySend: script}).Notify(context.Background(), n); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(argsFile)
		args := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
		if args[len(args)-1] != want {
			t.Errorf("notify-send body %q, want %q", args[len(args)-1], want)
		}
	})
}
