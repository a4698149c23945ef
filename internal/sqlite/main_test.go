package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/secret"
	"keyrelay/internal/sqlite"
)

// clock is a settable time source for DB.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var t0 = time.Date(2026, 5, 26, 1, 0, 0, 0, time.UTC)

type env struct {
	dir   string
	db    *sqlite.DB
	clock *clock
}

// newEnv opens a real database file in a fresh data dir with the file
// sealer (there is no OS keyring here) and a clock at t0.
func newEnv(tb testing.TB) *env {
	tb.Helper()
	dir := tb.TempDir()
	return openEnv(tb, dir)
}

func openEnv(tb testing.TB, dir string) *env {
	tb.Helper()
	sealer, err := secret.Open(dir, secret.ModeFile)
	if err != nil {
		tb.Fatal(err)
	}
	db, err := sqlite.Open(filepath.Join(dir, "keyrelay.db"), sealer)
	if err != nil {
		tb.Fatal(err)
	}
	clk := &clock{t: t0}
	db.Now = clk.Now
	tb.Cleanup(func() { db.Close() })
	return &env{dir: dir, db: db, clock: clk}
}

const testKey = "SL123456_AbCdEfGh12345678"

var uuidN int

// newCapture returns a valid capture with a fresh UUID. Not for concurrent
// use: see newCaptureN.
func newCapture(shopID, app, key string) *keyrelay.Capture {
	uuidN++
	c := newCaptureFields(shopID, app, key)
	c.UUID = fmt.Sprintf("0b9f6a2e-1c3d-4e5f-8a7b-%012d", uuidN)
	return c
}

func newCaptureFields(shopID, app, key string) *keyrelay.Capture {
	return &keyrelay.Capture{
		Shop:       keyrelay.ShopRef{ID: shopID, Name: "テスト店舗 " + shopID},
		AppName:    app,
		Developer:  "株式会社GoQSystem",
		State:      "利用中",
		Expiry:     "2026/08/24",
		APIs:       []keyrelay.API{{Name: "RakutenPayOrderAPI", Description: "受注情報の取得"}},
		PageURL:    "https://webservice.rms.rakuten.co.jp/",
		ClientID:   "c_0123456789abcdef",
		CapturedAt: t0.Add(-time.Second),
		Key:        key,
	}
}

func mustCreate(tb testing.TB, e *env, c *keyrelay.Capture) *keyrelay.Capture {
	tb.Helper()
	got, created, err := sqlite.NewCaptureService(e.db).CreateCapture(context.Background(), c)
	if err != nil {
		tb.Fatal(err)
	}
	if !created {
		tb.Fatal("not created")
	}
	return got
}

func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := keyrelay.ErrorCode(err); got != code {
		tb.Fatalf("error code: got %q (%v), want %q", got, err, code)
	}
}
