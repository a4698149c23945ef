package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
	"keyrelay/internal/wsclient"
)

// testKey is what a revealed page would show. It must never appear in the
// helper's output or in plaintext anywhere in the data dir.
const testKey = "SL123456_Zq8Wm3Lx7Pn2Rt5K"

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "keyrelay-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "keyrelay")
	if out, err := exec.Command("go", "build", "-tags", testBuildTags(), "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building keyrelay: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// helperProc is a real `keyrelay run` on a free loopback port.
type helperProc struct {
	t       *testing.T
	dataDir string
	addr    string
	cmd     *exec.Cmd
	mu      sync.Mutex
	out     bytes.Buffer
}

func (h *helperProc) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.out.Write(p)
}

func (h *helperProc) output() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.out.String()
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func startHelper(t *testing.T, dataDir string) *helperProc {
	t.Helper()
	return startHelperAt(t, dataDir, freeAddr(t))
}

func startHelperAt(t *testing.T, dataDir, addr string) *helperProc {
	t.Helper()
	h := &helperProc{t: t, dataDir: dataDir, addr: addr}
	h.cmd = exec.Command(binary, "run", "--no-tray", "--addr", h.addr, "--data-dir", dataDir, "--log-level", "debug")
	h.cmd.Env = append(os.Environ(), "KEYRELAY_KEYRING=file")
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
	return h
}

func waitListen(t *testing.T, h *helperProc) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", h.addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("helper did not listen on %s; output:\n%s", h.addr, h.output())
}

func (h *helperProc) stop(t *testing.T) {
	t.Helper()
	h.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- h.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("helper exited with %v after SIGTERM; output:\n%s", err, h.output())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("helper did not stop on SIGTERM; output:\n%s", h.output())
	}
}

func (h *helperProc) cli(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, append(args, "--data-dir", h.dataDir, "--addr", h.addr)...)
	cmd.Env = append(os.Environ(), "KEYRELAY_KEYRING=file")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("keyrelay %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestPairCaptureHistory runs the real binary: an extension-side client pairs,
// the operator approves with `keyrelay pair approve CODE` in another process,
// the client authenticates and captures, and `keyrelay history --json` shows it.
func TestPairCaptureHistory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	// A data dir someone else made world-readable is tightened at start.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	h := startHelper(t, dir)
	c := pairAndAuth(ctx, t, h)
	defer c.Close()
	capture := testCapture("8d0c7c1e-3a52-4c43-9a53-5d1f0d7e2b11", testKey)
	ack, err := c.Capture(ctx, capture)
	if err != nil {
		t.Fatal(err)
	}
	if ack.StoredID == 0 || ack.Duplicate || ack.KeyLast4 != keyrelay.KeyLast4(testKey) {
		t.Fatalf("ack = %+v", ack)
	}
	again, err := c.Capture(ctx, capture)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Duplicate || again.StoredID != ack.StoredID {
		t.Fatalf("resend ack = %+v, want duplicate of %d", again, ack.StoredID)
	}

	var hist struct {
		Total    int `json:"total"`
		Captures []struct {
			ID         int64               `json:"id"`
			AppName    string              `json:"app_name"`
			KeyLast4   string              `json:"key_last4"`
			Deliveries []keyrelay.Delivery `json:"deliveries"`
		} `json:"captures"`
	}
	out := h.cli(t, "history", "--json")
	if err := json.Unmarshal([]byte(out), &hist); err != nil {
		t.Fatalf("history --json: %v\n%s", err, out)
	}
	if hist.Total != 1 || hist.Captures[0].ID != ack.StoredID || hist.Captures[0].AppName != capture.AppName {
		t.Fatalf("history = %+v", hist)
	}
	if got := hist.Captures[0].Deliveries; len(got) != 1 || got[0].Status != keyrelay.DeliveryWaitingLogin {
		t.Fatalf("deliveries = %+v, want one waiting for the GoQ login", got)
	}
	if strings.Contains(out, testKey) {
		t.Fatal("history --json printed the key")
	}

	c.Close()
	h.stop(t)
	if strings.Contains(h.output(), testKey) {
		t.Fatal("the key appears in the helper's log")
	}
	// After a clean stop the WAL is checkpointed into the main file.
	if fi, err := os.Stat(filepath.Join(h.dataDir, "keyrelay.db-wal")); err == nil && fi.Size() > 0 {
		t.Fatalf("WAL not checkpointed on shutdown: %d bytes left", fi.Size())
	}
	assertNoPlaintext(t, h.dataDir, testKey)
}

func assertNoPlaintext(t *testing.T, dir, secret string) {
	t.Helper()
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir %s: mode %v (%v), want 0700", dir, fi.Mode().Perm(), err)
	}
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		if info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v, want 0600", path, info.Mode().Perm())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s holds the key in plaintext", path)
		}
		return nil
	})
}

// TestForeignHostRefused: DNS rebinding reaches the port with the attacker's
// host name; the real binary answers 403 on every path.
func TestForeignHostRefused(t *testing.T) {
	h := startHelper(t, t.TempDir())
	for _, path := range []string{"/", "/ws", "/login?token=x", "/captures.csv", "/static/style.css"} {
		req, _ := http.NewRequest("GET", "http://"+h.addr+path, nil)
		req.Host = "evil.example"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s with Host evil.example = %d, want 403", path, resp.StatusCode)
		}
	}
	h.stop(t)
}

// TestSecondInstanceRefused: a second `keyrelay run` on the same data dir
// exits with a clear message and leaves the first one serving.
func TestSecondInstanceRefused(t *testing.T) {
	dir := t.TempDir()
	h := startHelper(t, dir)
	cmd := exec.Command(binary, "run", "--no-tray", "--addr", freeAddr(t), "--data-dir", dir)
	cmd.Env = append(os.Environ(), "KEYRELAY_KEYRING=file")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("second instance started; output:\n%s", out)
	}
	if !strings.Contains(string(out), "すでに起動") {
		t.Fatalf("second instance output does not say why:\n%s", out)
	}
	resp, err := http.Get("http://" + h.addr + "/")
	if err != nil {
		t.Fatalf("first instance stopped serving: %v", err)
	}
	resp.Body.Close()
	h.stop(t)
}

// pairAndAuth pairs a new extension-side client with the helper, approves it
// with `keyrelay pair approve CODE` (another process, as the operator would),
// and returns a client authenticated on a fresh connection.
func pairAndAuth(ctx context.Context, t *testing.T, h *helperProc) *wsclient.Client {
	t.Helper()
	origin := "chrome-extension://" + keyrelay.ExtensionID
	url := "ws://" + h.addr + "/ws"
	c, err := wsclient.Dial(ctx, url, origin, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Pair(ctx, "main_test")
	if err != nil {
		t.Fatal(err)
	}
	var list []keyrelay.Pairing
	if err := json.Unmarshal([]byte(h.cli(t, "pair", "list", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Code != p.Code || list[0].Status != keyrelay.PairingPending {
		t.Fatalf("pair list = %+v, want one pending pairing with code %s", list, p.Code)
	}
	h.cli(t, "pair", "approve", p.Code)
	creds, err := p.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	return authClient(ctx, t, h, creds)
}

func authClient(ctx context.Context, t *testing.T, h *helperProc, creds *wsclient.Credentials) *wsclient.Client {
	t.Helper()
	c, err := wsclient.Dial(ctx, "ws://"+h.addr+"/ws", "chrome-extension://"+keyrelay.ExtensionID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(ctx, creds.ClientID, creds.Secret); err != nil {
		t.Fatal(err)
	}
	return c
}

func testCapture(uuid, key string) *protocol.Capture {
	return &protocol.Capture{
		CaptureID: uuid,
		PageURL:   "https://webservice.rms.rakuten.co.jp/merchant-portal/apps/goq",
		Shop:      keyrelay.ShopRef{ID: "123456", Name: "サンプル店"},
		AppName:   "GoQ System (ごくシステム)", Developer: "株式会社GoQ System",
		State: "利用中", Expiry: "-", Key: key,
		APIs: []keyrelay.API{{Name: "cabinet.file.delete", Description: "画像を削除"}},
	}
}

// testBuildTags are the build tags this test binary was built with (the
// Makefile's TAGS, e.g. sqlite_fts5), so the helper under test is built the
// same way: the tags are set in one place, the Makefile.
func testBuildTags() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-tags" {
				return s.Value
			}
		}
	}
	return ""
}
