package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

// A page view within SessionSeenEvery of the last recorded one is a read
// only; after that it records the visit again.
func TestSessionSeenThrottled(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	ss := sqlite.NewSessionService(e.db)
	token, err := ss.CreateLoginToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, cookie, err := ss.RedeemLoginToken(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	created := e.clock.Now()

	raw, err := sql.Open("sqlite3", "file:"+filepath.Join(e.dir, "keyrelay.db")+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	lastSeen := func() string {
		t.Helper()
		var s string
		if err := raw.QueryRow(`SELECT last_seen_at FROM sessions`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}

	// Another connection holds the write lock: a FindSession that wrote
	// would wait for it (busy timeout) and then fail.
	lock, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(keyrelay.SessionSeenEvery - time.Second)
	if _, err := ss.FindSession(ctx, cookie); err != nil {
		t.Fatalf("within SessionSeenEvery, with the write lock held elsewhere: %v", err)
	}
	if _, err := lock.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	lock.Close()
	if got, want := lastSeen(), created.UTC().Format("2006-01-02T15:04:05.000000000Z"); got != want {
		t.Fatalf("last_seen_at %s, want %s (not written)", got, want)
	}

	e.clock.Add(time.Second)
	if _, err := ss.FindSession(ctx, cookie); err != nil {
		t.Fatal(err)
	}
	if got, want := lastSeen(), e.clock.Now().UTC().Format("2006-01-02T15:04:05.000000000Z"); got != want {
		t.Fatalf("last_seen_at %s, want %s (written after SessionSeenEvery)", got, want)
	}
}

// Throttling never keeps a session beyond the idle timeout: in use every
// 50 s it lives on, and it ends SessionIdleTimeout after the last request
// at the latest.
func TestSessionIdleWithThrottle(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	ss := sqlite.NewSessionService(e.db)
	token, _ := ss.CreateLoginToken(ctx)
	_, cookie, err := ss.RedeemLoginToken(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 { // 83 minutes, far past one idle timeout
		e.clock.Add(50 * time.Second)
		if _, err := ss.FindSession(ctx, cookie); err != nil {
			t.Fatalf("in use every 50 s, request %d: %v", i, err)
		}
	}
	// The last request fell within SessionSeenEvery of the last recorded
	// one, so it was not recorded: the session ends earlier than 30 minutes
	// after it, never later.
	e.clock.Add(keyrelay.SessionIdleTimeout)
	_, err = ss.FindSession(ctx, cookie)
	wantCode(t, err, keyrelay.EUNAUTHORIZED)

	// A request that was recorded starts a full idle timeout.
	token, _ = ss.CreateLoginToken(ctx)
	_, cookie, err = ss.RedeemLoginToken(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(keyrelay.SessionSeenEvery)
	if _, err := ss.FindSession(ctx, cookie); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(keyrelay.SessionIdleTimeout - time.Second)
	if _, err := ss.FindSession(ctx, cookie); err != nil {
		t.Fatalf("a second before the idle timeout after a recorded request: %v", err)
	}
}
