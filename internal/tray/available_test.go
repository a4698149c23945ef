package tray_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"keyrelay/internal/dbustest"
	"keyrelay/internal/tray"
)

// TestMain doubles as a helper process: with KEYRELAY_TRAY_CHILD set, the
// test binary behaves like `keyrelay run` does around the tray (Run, then
// wait for SIGTERM or 終了) and reports on stdout.
func TestMain(m *testing.M) {
	if os.Getenv("KEYRELAY_TRAY_CHILD") != "" {
		os.Exit(trayChild())
	}
	os.Exit(m.Run())
}

func trayChild() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	core := &fakeCore{quit: make(chan struct{})}
	go func() { <-core.quit; stop() }()
	fmt.Printf("pid=%d\n", os.Getpid())
	headless, err := tray.Run(ctx, core, slog.New(slog.NewTextHandler(os.Stderr, nil)), tray.Options{})
	fmt.Printf("headless=%v err=%v\n", headless, err)
	<-ctx.Done()
	fmt.Println("stopped")
	return 0
}

// privateBus starts a dbus-daemon of its own for this test.
func privateBus(t *testing.T) string { return dbustest.SessionBus(t) }

// fakeWatcher owns org.kde.StatusNotifierWatcher and reports registrations.
type fakeWatcher struct{ registered chan string }

func (w *fakeWatcher) RegisterStatusNotifierItem(sender dbus.Sender, path string) *dbus.Error {
	w.registered <- string(sender)
	return nil
}

func startWatcher(t *testing.T, addr string) (*dbus.Conn, *fakeWatcher) {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	w := &fakeWatcher{registered: make(chan string, 4)}
	if err := conn.Export(w, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName("org.kde.StatusNotifierWatcher", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("RequestName = %v, %v", reply, err)
	}
	return conn, w
}

func noUserBus(t *testing.T) {
	t.Helper()
	if u, err := user.Current(); err == nil {
		if _, err := os.Stat(filepath.Join("/run/user", u.Uid, "bus")); err == nil {
			t.Skip("a per-user bus exists at /run/user/<uid>/bus; cannot test 'no bus' here")
		}
	}
}

func TestAvailable(t *testing.T) {
	t.Run("no session bus address", func(t *testing.T) {
		noUserBus(t)
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
		ok, why := tray.Available()
		if ok || !strings.Contains(why, "セッションバス") {
			t.Errorf("Available() = %v, %q; want false naming the session bus", ok, why)
		}
	})

	t.Run("unreachable session bus", func(t *testing.T) {
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "gone"))
		ok, why := tray.Available()
		if ok || !strings.Contains(why, "セッションバス") {
			t.Errorf("Available() = %v, %q; want false naming the session bus", ok, why)
		}
	})

	t.Run("a bus without a StatusNotifierWatcher", func(t *testing.T) {
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", privateBus(t))
		ok, why := tray.Available()
		if ok || !strings.Contains(why, "StatusNotifier") {
			t.Errorf("Available() = %v, %q; want false naming StatusNotifier", ok, why)
		}
	})

	t.Run("a bus with a watcher", func(t *testing.T) {
		addr := privateBus(t)
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
		startWatcher(t, addr)
		if ok, why := tray.Available(); !ok {
			t.Errorf("Available() = false, %q; want true", why)
		}
	})

	t.Run("--no-tray", func(t *testing.T) {
		headless, err := tray.Run(context.Background(), &fakeCore{}, slog.New(slog.NewTextHandler(io.Discard, nil)), tray.Options{NoTray: true})
		if !headless || err != nil {
			t.Errorf("Run(NoTray) = %v, %v; want headless, nil", headless, err)
		}
	})
}

// child is a running helper process started from this test binary.
type child struct {
	cmd   *exec.Cmd
	lines chan string
	pid   int
}

func startChild(t *testing.T, argv []string, env []string) *child {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	// fyne.io/systray v1.12.2 races with itself (GetLayout reads
	// menuVersion under menuLock, refresh writes it under lock): a race
	// build of the child reports it on the first GetLayout. Such reports
	// do not fail the child; testWriter fails the test on any race report
	// that involves keyrelay's own code.
	cmd.Env = append(env, "KEYRELAY_TRAY_CHILD=1", "GORACE=exitcode=0")
	cmd.Stderr = &testWriter{t: t}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, lines: make(chan string, 16)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	pidLine := c.next(t)
	c.pid, err = strconv.Atoi(strings.TrimPrefix(pidLine, "pid="))
	if err != nil {
		t.Fatalf("first line %q, want pid=N", pidLine)
	}
	return c
}

func (c *child) next(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-c.lines:
		if !ok {
			t.Fatal("child exited early")
		}
		return l
	case <-time.After(20 * time.Second):
		t.Fatal("child said nothing for 20s")
	}
	return ""
}

// stop sends SIGTERM and wants a clean exit.
func (c *child) stop(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(c.pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	c.waitExit(t)
}

func (c *child) waitExit(t *testing.T) {
	t.Helper()
	var rest []string
	for l := range c.lines {
		rest = append(rest, l)
	}
	if err := c.cmd.Wait(); err != nil {
		t.Errorf("child exit: %v (output %q)", err, rest)
	}
	if len(rest) == 0 || rest[len(rest)-1] != "stopped" {
		t.Errorf("child output after stop %q, want it to end with stopped", rest)
	}
}

// testWriter logs a child's stderr and fails the test on a data race
// report with a keyrelay frame in it.
type testWriter struct {
	t      *testing.T
	mu     sync.Mutex
	inRace bool
	raced  bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		switch {
		case strings.Contains(line, "WARNING: DATA RACE"):
			w.inRace = true
		case strings.HasPrefix(strings.TrimSpace(line), "=================="):
			w.inRace = false
		case w.inRace && strings.Contains(line, "keyrelay/internal/") && !w.raced:
			w.raced = true
			w.t.Errorf("data race in keyrelay code in the child (see log): %s", line)
		}
		w.t.Logf("child: %s", line)
	}
	return len(p), nil
}

func envWithout(keys ...string) []string {
	var out []string
outer:
	for _, kv := range os.Environ() {
		for _, k := range keys {
			if strings.HasPrefix(kv, k+"=") {
				continue outer
			}
		}
		out = append(out, kv)
	}
	return out
}

func TestHelperProcess(t *testing.T) {
	self := []string{os.Args[0], "-test.run=^$"}

	t.Run("no D-Bus at all: headless, clean exit on SIGTERM", func(t *testing.T) {
		noUserBus(t)
		c := startChild(t, self, envWithout("DBUS_SESSION_BUS_ADDRESS"))
		if got, want := c.next(t), "headless=true err=<nil>"; got != want {
			t.Fatalf("child: %q, want %q", got, want)
		}
		c.stop(t)
	})

	t.Run("dbus-run-session without a watcher: headless, clean exit on SIGTERM", func(t *testing.T) {
		if _, err := exec.LookPath("dbus-run-session"); err != nil {
			t.Skip("dbus-run-session not installed")
		}
		c := startChild(t, append([]string{"dbus-run-session", "--"}, self...), envWithout("DBUS_SESSION_BUS_ADDRESS"))
		if got, want := c.next(t), "headless=true err=<nil>"; got != want {
			t.Fatalf("child: %q, want %q", got, want)
		}
		c.stop(t)
	})

	t.Run("a StatusNotifier host: the real tray registers, shows its menu and quits from 終了", func(t *testing.T) {
		addr := privateBus(t)
		conn, w := startWatcher(t, addr)
		c := startChild(t, self, append(envWithout("DBUS_SESSION_BUS_ADDRESS"), "DBUS_SESSION_BUS_ADDRESS="+addr))

		var item string
		select {
		case item = <-w.registered:
		case <-time.After(20 * time.Second):
			t.Fatal("the tray never registered with the watcher")
		}
		obj := conn.Object(item, "/StatusNotifierItem")
		eventually(t, "an ok tooltip", func() bool {
			v, err := getProperty(obj, "org.kde.StatusNotifierItem.ToolTip")
			return err == nil && strings.Contains(fmt.Sprint(v.Value()), "正常")
		}, func() string {
			v, err := obj.GetProperty("org.kde.StatusNotifierItem.ToolTip")
			return fmt.Sprint(v, err)
		})

		quitID := int32(-1)
		eventually(t, "a menu with 履歴を開く and 終了", func() bool {
			labels := menuLabels(t, conn.Object(item, "/StatusNotifierItem/menu"))
			id, ok := labels["終了 (Quit)"]
			_, open := labels["履歴を開く (Open history)"]
			quitID = id
			return ok && open
		}, func() string { return fmt.Sprint(menuLabels(t, conn.Object(item, "/StatusNotifierItem/menu"))) })

		// Click 終了 the way a panel does. Event returns nothing, and the
		// child may exit before a reply would reach us, so ask for none: the
		// child's report and its exit below are what the test checks.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		call := conn.Object(item, "/StatusNotifierItem/menu").CallWithContext(ctx, "com.canonical.dbusmenu.Event", dbus.FlagNoReplyExpected,
			quitID, "clicked", dbus.MakeVariant(""), uint32(time.Now().Unix()))
		if call.Err != nil {
			t.Fatal(call.Err)
		}
		if got, want := c.next(t), "headless=false err=<nil>"; got != want {
			t.Fatalf("child: %q, want %q", got, want)
		}
		c.waitExit(t)
	})

	t.Run("a StatusNotifier host: SIGTERM ends the tray cleanly", func(t *testing.T) {
		addr := privateBus(t)
		_, w := startWatcher(t, addr)
		c := startChild(t, self, append(envWithout("DBUS_SESSION_BUS_ADDRESS"), "DBUS_SESSION_BUS_ADDRESS="+addr))
		select {
		case <-w.registered:
		case <-time.After(20 * time.Second):
			t.Fatal("the tray never registered with the watcher")
		}
		if err := syscall.Kill(c.pid, syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if got, want := c.next(t), "headless=false err=<nil>"; got != want {
			t.Fatalf("child: %q, want %q", got, want)
		}
		c.waitExit(t)
	})
}

// menuLabels reads the dbusmenu layout: label → item id.
func menuLabels(t *testing.T, menu dbus.BusObject) map[string]int32 {
	t.Helper()
	var rev uint32
	var root struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := menu.CallWithContext(ctx, "com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}).Store(&rev, &root); err != nil {
		return nil
	}
	out := map[string]int32{}
	for _, ch := range root.Children {
		fields, ok := ch.Value().([]any)
		if !ok || len(fields) < 2 {
			continue
		}
		id, _ := fields[0].(int32)
		props, _ := fields[1].(map[string]dbus.Variant)
		if l, ok := props["label"]; ok {
			if s, ok := l.Value().(string); ok {
				out[s] = id
			}
		}
	}
	return out
}

func getProperty(obj dbus.BusObject, name string) (dbus.Variant, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	i := strings.LastIndex(name, ".")
	var v dbus.Variant
	err := obj.CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, name[:i], name[i+1:]).Store(&v)
	return v, err
}
