package main_test

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
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
			env := []string{"DBUS_SESSION_BUS_ADDRESS=", "KEYRELAY_KEYRING=file"}
			if tc.bus {
				env[0] = "DBUS_SESSION_BUS_ADDRESS=" + sessionBus(t)
			}
			h := &helperProc{t: t, dataDir: t.TempDir(), addr: freeAddr(t)}
			h.cmd = exec.Command(binary, "run", "--addr", h.addr, "--data-dir", h.dataDir)
			h.cmd.Env = append(envWithout("DBUS_SESSION_BUS_ADDRESS"), env...)
			h.cmd.Stdout, h.cmd.Stderr = h, h
			if err := h.cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if h.cmd.ProcessState == nil {
					h.cmd.Process.Kill()
					h.cmd.Wait()
				}
			})
			waitListen(t, h)
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(h.output(), "running headless") && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			if n := strings.Count(h.output(), "running headless"); n != 1 {
				t.Fatalf("want exactly one 'running headless' line, got %d; output:\n%s", n, h.output())
			}
			if !strings.Contains(h.output(), tc.why) {
				t.Fatalf("the headless line does not say %q; output:\n%s", tc.why, h.output())
			}
			h.stop(t)
			if strings.Contains(h.output(), "panic") {
				t.Fatalf("panic in output:\n%s", h.output())
			}
		})
	}
}

func envWithout(name string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// sessionBus starts a private session bus (what dbus-run-session does) with
// no StatusNotifier host on it, and returns its address.
func sessionBus(t *testing.T) string {
	t.Helper()
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("dbus-daemon missing (make test installs dbus)")
		}
		t.Skip("dbus-daemon not installed")
	}
	cmd := exec.Command(daemon, "--session", "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon address: %v", err)
	}
	return strings.TrimSpace(line)
}
