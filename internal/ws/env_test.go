package ws_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
	"keyrelay/internal/secret"
	"keyrelay/internal/sqlite"
	"keyrelay/internal/ws"
	"keyrelay/internal/wsclient"
)

const (
	testKey      = "SL123456_Ab3dE5fG7hJ9kL1m"
	chromeOrigin = "chrome-extension://" + keyrelay.ExtensionID
)

// syncBuffer collects log output from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is a helper's WebSocket side on a real loopback socket over a real
// SQLite file.
type env struct {
	dir    string
	db     *sqlite.DB
	srv    *ws.Server
	hs     *httptest.Server
	url    string
	port   int
	logs   *syncBuffer
	ctx    context.Context
	audits *sqlite.AuditService
}

func newEnv(t testing.TB, configure ...func(*ws.Server)) *env {
	t.Helper()
	dir := t.TempDir()
	db := openDB(t, dir)
	logs := &syncBuffer{}
	srv := &ws.Server{
		Captures:  sqlite.NewCaptureService(db),
		Pairings:  sqlite.NewPairingService(db),
		Audit:     sqlite.NewAuditService(db),
		Sessions:  sqlite.NewSessionService(db),
		AppStatus: sqlite.NewAppStatusService(db),
		Logger:    slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		// The default 20 upgrades a second would slow tests that connect a lot.
		Limits: ws.Limits{UpgradesPerSecond: 10000, MessagesPerSecond: 10000, MessageBurst: 10000, PairPoll: 20 * time.Millisecond},
	}
	for _, f := range configure {
		f(srv)
	}
	hs := httptest.NewServer(srv)
	u, _ := url.Parse(hs.URL)
	srv.Port, _ = strconv.Atoi(u.Port())
	e := &env{dir: dir, db: db, srv: srv, hs: hs, url: "ws://" + u.Host + "/ws", port: srv.Port, logs: logs,
		ctx: context.Background(), audits: sqlite.NewAuditService(db)}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		hs.Close()
	})
	return e
}

func openDB(t testing.TB, dir string) *sqlite.DB {
	t.Helper()
	sealer, err := secret.Open(dir, secret.ModeFile)
	if err != nil {
		t.Fatalf("secret.Open: %v", err)
	}
	db, err := sqlite.Open(filepath.Join(dir, "keyrelay.db"), sealer)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func (e *env) dial(t testing.TB, origin string) *wsclient.Client {
	t.Helper()
	c, err := wsclient.Dial(e.ctx, e.url, origin, nil)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// approve approves code the way `keyrelay pair approve` does: another
// process, so another *sqlite.DB on the same file.
func (e *env) approve(t testing.TB, code string) {
	t.Helper()
	cli := openDB(t, e.dir)
	if _, err := sqlite.NewPairingService(cli).ApprovePairing(e.ctx, code); err != nil {
		t.Fatalf("ApprovePairing(%s): %v", code, err)
	}
	cli.Close()
}

// paired pairs a new client and returns its credentials.
func (e *env) paired(t testing.TB) *wsclient.Credentials {
	t.Helper()
	c := e.dial(t, chromeOrigin)
	p, err := c.Pair(e.ctx, "test")
	if err != nil {
		t.Fatalf("Pair: %v", err)
	}
	e.approve(t, p.Code)
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	cr, err := p.Wait(ctx)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	c.Close()
	return cr
}

// authed returns an authenticated client.
func (e *env) authed(t testing.TB) (*wsclient.Client, *wsclient.Credentials) {
	t.Helper()
	cr := e.paired(t)
	c := e.dial(t, chromeOrigin)
	if err := c.Auth(e.ctx, cr.ClientID, cr.Secret); err != nil {
		t.Fatalf("Auth: %v", err)
	}
	return c, cr
}

func (e *env) captureCount(t testing.TB) int {
	t.Helper()
	_, n, err := sqlite.NewCaptureService(e.db).FindCaptures(e.ctx, keyrelay.CaptureFilter{})
	if err != nil {
		t.Fatalf("FindCaptures: %v", err)
	}
	return n
}

// auditEvents returns the newest audit events.
func (e *env) auditEvents(t testing.TB) []*keyrelay.AuditEvent {
	t.Helper()
	evs, err := e.audits.FindAuditEvents(e.ctx, keyrelay.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatalf("FindAuditEvents: %v", err)
	}
	return evs
}

// waitAudit is hasAudit for refusals audited while the connection closes:
// the client may see the close before the audit row commits.
func (e *env) waitAudit(t testing.TB, kind, substr string) bool {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if e.hasAudit(t, kind, substr) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// hasAudit reports whether an event of kind whose reason contains substr
// was recorded.
func (e *env) hasAudit(t testing.TB, kind, substr string) bool {
	for _, ev := range e.auditEvents(t) {
		if ev.Kind == kind && strings.Contains(ev.Reason, substr) {
			return true
		}
	}
	return false
}

var captureSeq atomic.Int64

func newCapture(key string) *protocol.Capture {
	return &protocol.Capture{
		CaptureID:  fmt.Sprintf("6f1c2a9e-1b2c-4d3e-8f40-%012d", captureSeq.Add(1)),
		CapturedAt: "2026-11-27T02:00:00Z",
		PageURL:    "https://webservice.rms.rakuten.co.jp/x",
		Shop:       keyrelay.ShopRef{ID: "123456", URL: "https://www.rakuten.co.jp/example/", Name: "サンプル店"},
		AppName:    "GoQ System (ごくシステム)",
		Developer:  "株式会社GoQ System",
		AppURL:     "http://goqsystem.com/",
		State:      "利用中",
		Expiry:     "2026/02/25",
		APIs:       []keyrelay.API{{Name: "cabinet.file.delete", Description: "画像削除"}},
		Key:        key,
	}
}

// waitClosed waits for the helper to close c and returns why.
func waitClosed(t testing.TB, c *wsclient.Client) error {
	t.Helper()
	select {
	case <-c.Done():
		return c.Err()
	case <-time.After(5 * time.Second):
		t.Fatal("connection not closed")
		return nil
	}
}

var _ http.Handler = (*ws.Server)(nil)
var _ keyrelay.EventSink = (*ws.Server)(nil)
