// Package wine_test runs the Windows build of keyrelay under Wine: the
// production keyrelay.exe (no demo), its default data dir under
// %LOCALAPPDATA%, the real WebSocket protocol from the Go client, and the
// history page. scripts/wine-smoke.sh (make windows-smoke) cross-compiles the
// exe, prepares a throwaway Wine prefix and runs this test; without
// KEYRELAY_WINE_EXE it is skipped, so `go test ./...` needs no Wine.
//
// What Wine cannot show, and this test therefore does not verify: the tray
// icon (no display, and Wine's systray is not Explorer's), Windows Credential
// Manager's real protection (Wine keeps credentials in its registry), that
// Windows starts the HKCU Run entry at a real login (the test only sees the
// value written and removed), and Windows' own ACLs on %LOCALAPPDATA%. See
// docs/TESTING.md.
package wine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"keyrelay/internal/helpertest"
	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
	"keyrelay/internal/wsclient"
)

const testKey = "SL123456_WineSmoke7Qx2Lm9"

func TestWindowsSmoke(t *testing.T) {
	exe, wine := os.Getenv("KEYRELAY_WINE_EXE"), os.Getenv("KEYRELAY_WINE")
	if exe == "" || wine == "" {
		t.Skip("KEYRELAY_WINE_EXE and KEYRELAY_WINE unset: run make windows-smoke")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// The prefix and WINEDEBUG come from the script; no display is used.
	env := append(os.Environ(), "DISPLAY=", "WAYLAND_DISPLAY=")

	out, errOut, err := helpertest.Run(wine, env, exe, "version")
	if err != nil || !strings.Contains(out, "windows/amd64") || !strings.Contains(out, "protocol v1") {
		t.Fatalf("keyrelay.exe version: %v\n%s%s", err, out, errOut)
	}

	// The default data dir: %LOCALAPPDATA%\keyrelay inside the prefix.
	h := helpertest.Start(t, helpertest.Options{Bin: wine, Prefix: []string{exe}, Env: env,
		StartTimeout: 90 * time.Second, StopSignal: syscall.SIGINT})
	if !strings.Contains(h.Output(), `AppData\Local\keyrelay`) {
		t.Errorf("data dir is not under %%LOCALAPPDATA%%:\n%s", h.Output())
	}

	// The history page, through the one-time login `keyrelay open` mints.
	login := strings.TrimSpace(strings.SplitN(h.CLI(t, "open", "--print"), "\n", 2)[0])
	if !strings.HasPrefix(login, "http://"+h.Addr+"/login?token=") {
		t.Fatalf("login URL %q does not use the listen address %s", login, h.Addr)
	}
	jar, _ := cookiejar.New(nil)
	web := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	page := get(t, web, login)

	// Another OS user of the same computer gets 403 from the exe too: under
	// Wine its same-user check reads the host kernel's socket table through
	// Z:\proc (internal/peercred/wine_windows.go). Root can switch users;
	// CI runs as root.
	if os.Getuid() == 0 {
		host, port, _ := strings.Cut(h.Addr, ":")
		script := fmt.Sprintf(`exec 3<>/dev/tcp/%s/%s; printf 'GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' >&3; timeout 5 head -c 64 <&3`, host, port, h.Addr)
		out, _ := helpertest.AsOtherUser(t, script)
		if !strings.Contains(out, " 403 ") {
			t.Errorf("another OS user's request to keyrelay.exe: %q, want 403", out)
		}
	}

	// The WebSocket: pair, approve from the CLI, authenticate, capture.
	origin := "chrome-extension://" + keyrelay.ExtensionID
	c, err := wsclient.Dial(ctx, "ws://"+h.Addr+"/ws", origin, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Pair(ctx, "wine smoke")
	if err != nil {
		t.Fatal(err)
	}
	h.CLI(t, "pair", "approve", p.Code)
	creds, err := p.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	c, err = wsclient.Dial(ctx, "ws://"+h.Addr+"/ws", origin, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(ctx, creds.ClientID, creds.Secret); err != nil {
		t.Fatal(err)
	}
	ack, err := c.Capture(ctx, &protocol.Capture{
		CaptureID: "0b7e4c2a-9d1f-4e3b-8a6c-5f2d1e0c9b8a",
		PageURL:   "https://webservice.rms.rakuten.co.jp/merchant-portal/apps/goq",
		Shop:      keyrelay.ShopRef{ID: "123456", Name: "ワイン店"},
		AppName:   "GoQ System", Developer: "株式会社GoQ System",
		State: "利用中", Expiry: "-", Key: testKey,
	})
	if err != nil {
		t.Fatal(err)
	}
	if ack.StoredID == 0 || ack.KeyLast4 != keyrelay.KeyLast4(testKey) {
		t.Fatalf("capture ack = %+v", ack)
	}

	var hist struct {
		Total    int `json:"total"`
		Captures []struct {
			ID       int64  `json:"id"`
			KeyLast4 string `json:"key_last4"`
		} `json:"captures"`
	}
	js := h.CLI(t, "history", "--json")
	if err := json.Unmarshal([]byte(js), &hist); err != nil {
		t.Fatalf("history --json: %v\n%s", err, js)
	}
	if hist.Total != 1 || hist.Captures[0].ID != ack.StoredID || hist.Captures[0].KeyLast4 != keyrelay.KeyLast4(testKey) {
		t.Fatalf("history --json = %+v, want the capture %d", hist, ack.StoredID)
	}
	if strings.Contains(js, testKey) {
		t.Fatal("history --json printed the key")
	}
	// The page lists it too (末尾4桁 only).
	page = get(t, web, "http://"+h.Addr+"/")
	if !strings.Contains(page, keyrelay.KeyLast4(testKey)) || strings.Contains(page, testKey) {
		t.Errorf("history page does not list the capture by its last 4 only")
	}

	// A second helper on the same data dir is refused by the LockFileEx lock
	// and names the first; the first keeps serving.
	out, errOut, err = helpertest.Run(wine, env, exe, "run", "--no-tray", "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(errOut, "すでに起動") {
		t.Errorf("second instance: err %v, stderr %q; want a refusal naming the running one", err, errOut)
	}
	get(t, web, "http://"+h.Addr+"/")

	// Autostart writes and removes the HKCU Run value (Wine has a registry;
	// whether Windows then starts it at login is not verifiable here).
	for _, step := range []struct{ args, want string }{
		{"autostart enable", "starts at login"},
		{"autostart status", "starts at login"},
		{"autostart disable", "does not start at login"},
	} {
		out, errOut, err := helpertest.Run(wine, env, append([]string{exe}, strings.Fields(step.args)...)...)
		if err != nil || !strings.Contains(out, step.want) {
			t.Errorf("keyrelay.exe %s: %v, %q %q; want %q", step.args, err, out, errOut, step.want)
		}
	}

	c.Close()
	h.Stop(t) // Ctrl+C: exit status 0
	if !strings.Contains(h.Output(), "keyrelay stopping") {
		t.Errorf("no clean stop in the log:\n%s", h.Output())
	}
	if strings.Contains(h.Output(), testKey) {
		t.Error("the key appears in the helper's log")
	}
}

func get(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %s", u, resp.Status)
	}
	return string(b)
}
