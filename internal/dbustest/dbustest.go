// Package dbustest starts a private D-Bus session bus for a test: the tray and
// notification tests talk to their own dbus-daemon, never to the desktop's.
package dbustest

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// SessionBus starts `dbus-daemon --session` for this test and returns its
// address. The daemon is killed when the test ends. Without dbus-daemon the
// test is skipped, except under CI (CI set), where make test installs it and
// its absence is a failure.
func SessionBus(t testing.TB) string {
	t.Helper()
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("dbus-daemon missing (scripts/ensure-test-deps.sh installs dbus)")
		}
		t.Skip("dbus-daemon not installed")
	}
	cmd := exec.Command(daemon, "--session", "--nofork", "--nopidfile", "--print-address=1")
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

// EnvWithout is os.Environ() without the variable name.
func EnvWithout(name string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
