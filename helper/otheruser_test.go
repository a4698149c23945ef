//go:build linux

package main_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/secret"
	"keyrelay/internal/sqlite"
)

// nobody is the second OS account the attacks run as.
const nobody = 65534

// asOtherUser runs a bash script as uid/gid 65534, the way another account
// on a shared office PC would. CI runs as root, which can switch users.
func asOtherUser(t *testing.T, script string) string {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("needs root to run the attacker under a second uid (CI runs as root)")
	}
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, _ := cmd.CombinedOutput()
	return string(out)
}

// rawRequest sends one request through bash's /dev/tcp and prints the answer.
func rawRequest(addr, path string, headers ...string) string {
	host, port, _ := strings.Cut(addr, ":")
	req := "GET " + path + " HTTP/1.1\\r\\nHost: " + addr + "\\r\\nConnection: close\\r\\n"
	for _, h := range headers {
		req += h + "\\r\\n"
	}
	return fmt.Sprintf(`exec 3<>/dev/tcp/%s/%s; printf '%s\r\n' >&3; timeout 2 cat <&3`, host, port, req)
}

// TestSecondUserCannotConnect: another OS user's process gets 403 on every
// route, the WebSocket included, and one audit line says so.
func TestSecondUserCannotConnect(t *testing.T) {
	h := startHelper(t, t.TempDir())
	for _, c := range []struct {
		path    string
		headers []string
	}{
		{"/", nil},
		{"/login?token=x", nil},
		{"/ws", []string{"Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13",
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Origin: chrome-extension://" + keyrelay.ExtensionID}},
	} {
		out := asOtherUser(t, rawRequest(h.addr, c.path, c.headers...))
		if first, _, _ := strings.Cut(out, "\n"); !strings.Contains(first, " 403 ") {
			t.Errorf("GET %s as uid %d answered:\n%s", c.path, nobody, out)
		}
	}
	h.stop(t)
	if n := auditCount(t, h.dataDir, keyrelay.AuditPeerRefused); n != 3 {
		t.Errorf("%d %s audit lines, want 3 (one per refused connection)", n, keyrelay.AuditPeerRefused)
	}
}

// auditCount opens the stopped helper's database and counts kind's events.
func auditCount(t *testing.T, dataDir, kind string) int {
	t.Helper()
	sealer, err := secret.Open(dataDir, "file")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(filepath.Join(dataDir, "keyrelay.db"), sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	evs, err := sqlite.NewAuditService(db).FindAuditEvents(context.Background(), keyrelay.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Kind == kind {
			n++
		}
	}
	return n
}
