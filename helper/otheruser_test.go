//go:build linux

package main_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"keyrelay/internal/helpertest"
	"keyrelay/internal/keyrelay"
	"keyrelay/internal/secret"
	"keyrelay/internal/sqlite"
)

// nobody is the second OS account the attacks run as.
const nobody = helpertest.Nobody

// asOtherUser runs a bash script as another OS user; its exit status is not
// the verdict (the attacks' output is).
func asOtherUser(t *testing.T, script string) string {
	t.Helper()
	out, _ := helpertest.AsOtherUser(t, script)
	return out
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

// TestLoginTokenOnNoCommandLine: `keyrelay open` starts the browser on the
// 0600 opener file. Another user reading every process's command line while
// the browser launcher runs, and trying the file itself, learns no token.
func TestLoginTokenOnNoCommandLine(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run the attacker under a second uid (CI runs as root)")
	}
	h := startHelper(t, t.TempDir())
	// A browser launcher that stays alive until the attacker has looked.
	fake := t.TempDir()
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + fake + "/args\n" +
		"i=0; while [ ! -e " + fake + "/release ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done\n"
	if err := os.WriteFile(filepath.Join(fake, "xdg-open"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.WriteFile(filepath.Join(fake, "release"), nil, 0o600)
	cmd := exec.Command(binary(t), "open", "--data-dir", h.dataDir, "--addr", h.addr)
	cmd.Env = append(os.Environ(), "KEYRELAY_KEYRING=file", "PATH="+fake+":"+os.Getenv("PATH"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("keyrelay open: %v\n%s", err, out)
	} else if strings.Contains(string(out), "token=") {
		t.Errorf("keyrelay open printed the token without --print:\n%s", out)
	}
	args := waitFile(t, filepath.Join(fake, "args"))
	opener := filepath.Join(h.dataDir, "open.html")
	page, err := os.ReadFile(opener)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`token=([A-Za-z0-9_-]{20,})`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("opener holds no login URL:\n%s", page)
	}
	token := string(m[1])
	if fi, _ := os.Stat(opener); fi.Mode().Perm() != 0o600 {
		t.Errorf("opener mode %v, want 0600", fi.Mode())
	}
	if strings.Contains(args, token) || !strings.Contains(args, "file://") {
		t.Errorf("browser launched with %q; want the opener file, not the token", args)
	}

	// The attacker: every command line on the machine, and the file itself.
	seen := asOtherUser(t, `for f in /proc/[0-9]*/cmdline; do tr '\0' ' ' < "$f" 2>/dev/null; echo; done; cat `+opener+` 2>&1`)
	if !strings.Contains(seen, "xdg-open") {
		t.Fatalf("the attacker did not see the launcher's command line; the test proves nothing:\n%s", seen)
	}
	if strings.Contains(seen, token) {
		t.Fatalf("a second uid read the login token from a command line or the opener file")
	}

	// The opener's URL still logs the operator in, once.
	res, err := http.Get(strings.ReplaceAll(string(regexp.MustCompile(`url=([^"]+)"`).FindSubmatch(page)[1]), "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("redeeming the opener's URL: %d", res.StatusCode)
	}
}

// waitFile waits for path to appear (the launcher runs asynchronously) and
// returns its content.
func waitFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return string(b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not appear", path)
	return ""
}
