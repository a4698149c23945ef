//go:build demo

package outbox_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/keyrelay"
)

const app = "GoQ System (ごくシステム)"

func TestDelivered(t *testing.T) {
	for _, m := range fakegoq.Markups {
		t.Run(m.String(), func(t *testing.T) {
			e := newEnv(t)
			s := e.newShop(1, fakegoq.Options{Markup: m})
			e.setLogin(s)
			before := s.goq.Settings()
			w := e.worker()
			runWorker(t, w)

			c, key := e.capture(s, app)
			w.Wake()
			d := e.waitStatus(c, keyrelay.DeliveryDelivered, 20*time.Second)
			e.waitEvent(c, keyrelay.DeliveryDelivered)

			after := s.goq.Settings()
			if got, want := after[fakegoq.FieldLicenseKey], key; got != want {
				t.Errorf("GoQ key = …%s, want …%s", keyrelay.KeyLast4(got), keyrelay.KeyLast4(want))
			}
			delete(after, fakegoq.FieldLicenseKey)
			delete(before, fakegoq.FieldLicenseKey)
			if !maps.Equal(after, before) {
				t.Errorf("other GoQ settings changed:\n got %q\nwant %q", after, before)
			}
			if got, want := s.goq.PostCount(), 1; got != want {
				t.Errorf("PostCount = %d, want %d", got, want)
			}
			if got, want := d.Attempts, 1; got != want {
				t.Errorf("Attempts = %d, want %d", got, want)
			}
			if d.LastError != "" || d.FinishedAt.IsZero() {
				t.Errorf("LastError = %q, FinishedAt = %v; want none and set", d.LastError, d.FinishedAt)
			}
			if got, want := results(e.attempts(d)), []string{keyrelay.DeliveryDelivered}; !slices.Equal(got, want) {
				t.Errorf("attempts = %q, want %q", got, want)
			}
			if got, want := e.events.statuses(c.UUID), []string{keyrelay.DeliveryInProgress, keyrelay.DeliveryDelivered}; !slices.Equal(got, want) {
				t.Errorf("events = %q, want %q", got, want)
			}
			if got, want := e.logLines(d), 1; got != want {
				t.Errorf("%d log lines for the delivery, want %d:\n%s", got, want, e.logs.String())
			}
		})
	}
}

func TestRetriedWithBackoff(t *testing.T) {
	for _, tc := range []struct {
		name      string
		down, up  func(*fakegoq.Server)
		wantError string
	}{
		{"500s", func(f *fakegoq.Server) { f.FailNext(1 << 20) }, func(f *fakegoq.Server) { f.FailNext(0) }, "HTTP 500"},
		{"maintenance", func(f *fakegoq.Server) { f.SetMaintenance(true) }, func(f *fakegoq.Server) { f.SetMaintenance(false) }, "メンテナンス"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			s := e.newShop(1, fakegoq.Options{})
			e.setLogin(s)
			w := e.worker() // BaseBackoff 10 s, MaxBackoff 2 min
			c, key := e.capture(s, app)
			tc.down(s.goq)

			// Each retry is due no earlier than half its ceiling and no
			// later than the ceiling: 10 s, then 20 s, then 40 s.
			for i, ceiling := range []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second} {
				now := e.clock.Now()
				if got, want := once(t, w), 1; got != want {
					t.Fatalf("try %d: Once ran %d, want %d", i+1, got, want)
				}
				d := e.delivery(c)
				if d.Status != keyrelay.DeliveryPending || d.Attempts != i+1 {
					t.Fatalf("try %d: status %s, attempts %d; want pending, %d", i+1, d.Status, d.Attempts, i+1)
				}
				if wait := d.NextAttemptAt.Sub(now); wait < 5*time.Second || wait > ceiling {
					t.Errorf("try %d: retry in %v, want within [5s, %v]", i+1, wait, ceiling)
				}
				if !strings.Contains(d.LastError, tc.wantError) || !strings.Contains(d.LastError, "自動で再試行") {
					t.Errorf("try %d: LastError = %q, want it to mention %q and the retry", i+1, d.LastError, tc.wantError)
				}
				if got := once(t, w); got != 0 {
					t.Fatalf("try %d: a retry ran before it was due", i+1)
				}
				e.clock.Set(d.NextAttemptAt)
			}
			tc.up(s.goq)
			once(t, w)

			d := e.delivery(c)
			if got, want := d.Status, keyrelay.DeliveryDelivered; got != want {
				t.Fatalf("status = %s (%s), want %s", got, d.LastErrorEn, want)
			}
			if got, want := s.goq.PostCount(), 1; got != want {
				t.Errorf("PostCount = %d, want %d", got, want)
			}
			if got, want := s.goq.Settings()[fakegoq.FieldLicenseKey], key; got != want {
				t.Errorf("GoQ key = …%s, want …%s", keyrelay.KeyLast4(got), keyrelay.KeyLast4(want))
			}
			want := []string{keyrelay.DeliveryPending, keyrelay.DeliveryPending, keyrelay.DeliveryPending, keyrelay.DeliveryDelivered}
			if got := results(e.attempts(d)); !slices.Equal(got, want) {
				t.Errorf("attempts = %q, want %q", got, want)
			}
			if got, want := e.logLines(d), 4; got != want {
				t.Errorf("%d log lines for the delivery, want one per attempt (%d)", got, want)
			}
		})
	}
}

func TestBackoffIsCapped(t *testing.T) {
	e := newEnv(t)
	s := e.newShop(1, fakegoq.Options{})
	e.setLogin(s)
	w := e.worker()
	w.BaseBackoff, w.MaxBackoff, w.MaxAttempts = 10*time.Second, 30*time.Second, 20
	c, _ := e.capture(s, app)
	s.goq.SetMaintenance(true)
	for i := range 8 {
		now := e.clock.Now()
		once(t, w)
		d := e.delivery(c)
		if wait := d.NextAttemptAt.Sub(now); wait < 5*time.Second || wait > 30*time.Second {
			t.Fatalf("try %d: retry in %v, want within [5s, 30s]", i+1, wait)
		}
		e.clock.Set(d.NextAttemptAt)
	}
}

func TestNeedsAttention(t *testing.T) {
	for _, tc := range []struct {
		name         string
		setup        func(e *env, s *shop)
		maxAttempts  int
		wantAttempts int
		wantJa       string
		wantEn       string
		wantPosts    int
	}{
		{
			name: "login refused",
			setup: func(e *env, s *shop) {
				s.pass = "wrong-" + randomAlnum(8)
				e.remember(s.pass)
				e.setLogin(s)
			},
			wantAttempts: 2,
			wantJa:       "ログインIDとパスワードを確認",
			wantEn:       "refused the login",
		},
		{
			name: "wrong GoQ URL",
			setup: func(e *env, s *shop) {
				srv := httptest.NewServer(http.NotFoundHandler())
				e.t.Cleanup(srv.Close)
				s.url = fakeGoQURL(srv)
				e.setLogin(s)
			},
			wantAttempts: 3,
			wantJa:       "GoQのURLを確認",
			wantEn:       "check the GoQ URL",
		},
		{
			name: "save silently ignored",
			setup: func(e *env, s *shop) {
				e.setLogin(s)
				s.goq.SetIgnoreSaves(true)
			},
			wantAttempts: 5,
			wantJa:       "保存が無視されました",
			wantEn:       "the save was ignored",
			wantPosts:    5,
		},
		{
			name: "down for good",
			setup: func(e *env, s *shop) {
				e.setLogin(s)
				s.goq.SetMaintenance(true)
			},
			maxAttempts:  4,
			wantAttempts: 4,
			wantJa:       "メンテナンス中",
			wantEn:       "maintenance",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			s := e.newShop(1, fakegoq.Options{})
			tc.setup(e, s)
			w := e.worker()
			w.MaxAttempts = tc.maxAttempts
			c, _ := e.capture(s, app)

			for range 20 {
				if once(t, w) == 0 {
					break
				}
				e.clock.Set(e.delivery(c).NextAttemptAt)
			}
			d := e.delivery(c)
			if got, want := d.Status, keyrelay.DeliveryNeedsAttention; got != want {
				t.Fatalf("status = %s, want %s", got, want)
			}
			if got, want := d.Attempts, tc.wantAttempts; got != want {
				t.Errorf("Attempts = %d, want %d", got, want)
			}
			if !strings.Contains(d.LastError, tc.wantJa) || !strings.Contains(d.LastError, "今すぐ再試行") {
				t.Errorf("LastError = %q, want it to say %q and how to retry", d.LastError, tc.wantJa)
			}
			if !strings.Contains(d.LastErrorEn, tc.wantEn) || !strings.Contains(d.LastErrorEn, fmt.Sprintf("stopped after %d attempts", tc.wantAttempts)) {
				t.Errorf("LastErrorEn = %q, want it to say %q and when it stopped", d.LastErrorEn, tc.wantEn)
			}
			as := e.attempts(d)
			if got, want := len(as), tc.wantAttempts; got != want {
				t.Fatalf("%d attempts recorded, want %d", got, want)
			}
			for i, a := range as {
				want := keyrelay.DeliveryPending
				if i == len(as)-1 {
					want = keyrelay.DeliveryNeedsAttention
				}
				if a.Result != want || a.Error == "" || a.ErrorEn == "" || a.FinishedAt.Before(a.StartedAt) {
					t.Errorf("attempt %d = %+v, want result %s with an error", i+1, a, want)
				}
			}
			if got, want := s.goq.PostCount(), tc.wantPosts; got != want {
				t.Errorf("PostCount = %d, want %d", got, want)
			}
			if got, want := s.goq.Settings()[fakegoq.FieldLicenseKey], fakegoq.OldKey; got != want {
				t.Errorf("GoQ key changed to …%s", keyrelay.KeyLast4(got))
			}
			e.waitEvent(c, keyrelay.DeliveryNeedsAttention)
			if e.events.alertCount() == 0 {
				t.Error("AlertsChanged was not called")
			}

			// The operator fixes it and presses 今すぐ再試行: one more try.
			s.goq.SetIgnoreSaves(false)
			s.goq.SetMaintenance(false)
			if tc.name == "login refused" || tc.name == "wrong GoQ URL" {
				return
			}
			if err := e.deliveries.RetryNow(context.Background(), d.ID); err != nil {
				t.Fatal(err)
			}
			once(t, w)
			if got, want := e.delivery(c).Status, keyrelay.DeliveryDelivered; got != want {
				t.Errorf("after RetryNow: status = %s, want %s", got, want)
			}
		})
	}
}

func TestWaitingLogin(t *testing.T) {
	t.Run("until credentials are set", func(t *testing.T) {
		e := newEnv(t)
		s := e.newShop(1, fakegoq.Options{})
		w := e.worker()

		c, key := e.capture(s, app)
		// Driven one pass at a time, not slept on: two passes without a
		// login park the delivery and post nothing.
		once(t, w)
		once(t, w)
		if d := e.delivery(c); d.Status != keyrelay.DeliveryWaitingLogin || d.Attempts != 0 {
			t.Fatalf("status %s, attempts %d; want waiting_login, 0", d.Status, d.Attempts)
		}
		if got := s.goq.PostCount(); got != 0 {
			t.Fatalf("PostCount = %d before any login was set", got)
		}

		e.setLogin(s)
		n, err := e.deliveries.WakeWaitingLogin(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("WakeWaitingLogin = %d, %v; want 1", n, err)
		}
		runWorker(t, w)
		w.Wake()
		e.waitStatus(c, keyrelay.DeliveryDelivered, 20*time.Second)
		if got, want := s.goq.PostCount(), 1; got != want {
			t.Errorf("PostCount = %d, want %d", got, want)
		}
		if got := s.goq.Settings()[fakegoq.FieldLicenseKey]; got != key {
			t.Errorf("GoQ key = …%s, want …%s", keyrelay.KeyLast4(got), keyrelay.KeyLast4(key))
		}
	})

	t.Run("credentials set by another process", func(t *testing.T) {
		e := newEnv(t)
		s := e.newShop(1, fakegoq.Options{})
		w := e.worker()
		w.LoginPoll = 50 * time.Millisecond
		runWorker(t, w)
		c, _ := e.capture(s, app)
		w.Wake()
		e.setLogin(s) // no WakeWaitingLogin, no Wake: `keyrelay goq set-login` cannot call them
		e.waitStatus(c, keyrelay.DeliveryDelivered, 20*time.Second)
	})

	t.Run("credentials removed after capture", func(t *testing.T) {
		e := newEnv(t)
		s := e.newShop(1, fakegoq.Options{})
		e.setLogin(s)
		w := e.worker()
		c, _ := e.capture(s, app)
		cs, err := e.creds.ListCredentials(context.Background(), "goq")
		if err != nil {
			t.Fatal(err)
		}
		for _, cr := range cs {
			if err := e.creds.DeleteCredentials(context.Background(), cr.ID); err != nil {
				t.Fatal(err)
			}
		}
		once(t, w)
		d := e.delivery(c)
		if got, want := d.Status, keyrelay.DeliveryWaitingLogin; got != want {
			t.Fatalf("status = %s, want %s", got, want)
		}
		if !strings.Contains(d.LastError, "ログイン情報") || !strings.Contains(d.LastErrorEn, "login") {
			t.Errorf("LastError = %q / %q, want it to name the missing login", d.LastError, d.LastErrorEn)
		}
		e.waitEvent(c, keyrelay.DeliveryWaitingLogin)
		if got := once(t, w); got != 0 {
			t.Errorf("Once ran %d waiting deliveries", got)
		}
		e.setLogin(s)
		if _, err := e.deliveries.WakeWaitingLogin(context.Background()); err != nil {
			t.Fatal(err)
		}
		once(t, w)
		if got, want := e.delivery(c).Status, keyrelay.DeliveryDelivered; got != want {
			t.Errorf("status = %s, want %s", got, want)
		}
	})
}

func TestSlowGoQTimesOutWithinLease(t *testing.T) {
	e := newEnv(t)
	s := e.newShop(1, fakegoq.Options{})
	e.setLogin(s)
	// GoQ answers nothing for an hour: the attempt returns only because
	// Deliver is cut off at Lease/2 (a worker that waited would hit the test
	// binary's timeout, not a wall-clock threshold of ours).
	s.goq.SetDelay(time.Hour)
	w := e.worker()
	w.Lease = 600 * time.Millisecond // Deliver gets 300 ms
	c, _ := e.capture(s, app)
	once(t, w)
	d := e.delivery(c)
	if d.Status != keyrelay.DeliveryPending || d.LastErrorEn == "" {
		t.Errorf("status %s, error %q; want pending with an error", d.Status, d.LastErrorEn)
	}
	if got := s.goq.PostCount(); got != 0 {
		t.Errorf("PostCount = %d", got)
	}
}
