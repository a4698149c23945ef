package reminder_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/reminder"
	"keyrelay/internal/secret"
	"keyrelay/internal/sqlite"
)

// world is a real database file plus a clock the test moves.
type world struct {
	t   *testing.T
	dir string
	db  *sqlite.DB
	now time.Time
}

func newWorld(t *testing.T, now time.Time) *world {
	w := &world{t: t, dir: t.TempDir(), now: now}
	w.open()
	return w
}

func (w *world) open() {
	w.t.Helper()
	sealer, err := secret.Open(w.dir, secret.ModeFile)
	if err != nil {
		w.t.Fatal(err)
	}
	db, err := sqlite.Open(filepath.Join(w.dir, "keyrelay.db"), sealer)
	if err != nil {
		w.t.Fatal(err)
	}
	db.Now = func() time.Time { return w.now }
	w.db = db
	w.t.Cleanup(func() { db.Close() })
}

// restart closes the database and opens it again, as a helper restart does.
func (w *world) restart() {
	w.t.Helper()
	if err := w.db.Close(); err != nil {
		w.t.Fatal(err)
	}
	w.open()
}

func (w *world) listing(app, expiry string, updatePending bool) {
	w.t.Helper()
	err := sqlite.NewAppStatusService(w.db).RecordAppListing(context.Background(), &keyrelay.AppListing{
		Shop: keyrelay.ShopRef{ID: "123456", Name: "テスト店舗"},
		Rows: []keyrelay.AppListRow{{Developer: "株式会社GoQSystem", AppName: app, KeyLast4: "5678", Expiry: expiry, UpdatePending: updatePending}},
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) capture(app, expiry string) {
	w.t.Helper()
	_, _, err := sqlite.NewCaptureService(w.db).CreateCapture(context.Background(), &keyrelay.Capture{
		UUID: "0b9f6a2e-1c3d-4e5f-8a7b-000000000001", Shop: keyrelay.ShopRef{ID: "123456", Name: "テスト店舗"},
		AppName: app, Developer: "株式会社GoQSystem", Expiry: expiry, CapturedAt: w.now,
		Key: "SL123456_AbCdEfGh12345678",
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

// recorder is the Notifier and EventSink the tests read back.
type recorder struct {
	mu            sync.Mutex
	notes         []reminder.Notification
	alertsChanged int
}

func (r *recorder) Notify(_ context.Context, n reminder.Notification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, n)
	return nil
}
func (r *recorder) DeliveryChanged(keyrelay.DeliveryEvent) {}
func (r *recorder) AlertsChanged() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.alertsChanged++
}

// newReminder is what the helper builds at start: a fresh Reminder over the
// (possibly reopened) database.
func (w *world) newReminder(rec *recorder) *reminder.Reminder {
	return &reminder.Reminder{
		Apps:     sqlite.NewAppStatusService(w.db),
		Log:      sqlite.NewReminderService(w.db),
		Notifier: rec,
		Events:   rec,
		Now:      func() time.Time { return w.now },
	}
}

func (w *world) check(r *reminder.Reminder) []reminder.Fired {
	w.t.Helper()
	fired, err := r.Check(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	return fired
}

// jst is 10:00 JST on a day, when an operator is at work.
func jst(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, keyrelay.JST) }

func thresholds(fs []reminder.Fired) []int {
	var out []int
	for _, f := range fs {
		out = append(out, f.Threshold)
	}
	return out
}

func TestReminderThresholds(t *testing.T) {
	t.Run("each threshold fires once, on its day", func(t *testing.T) {
		w := newWorld(t, jst(2026, 6, 1))
		w.listing("GoQSystem", "2026/06/30", false)
		rec := &recorder{}
		r := w.newReminder(rec)

		firedOn := map[int][]string{}
		// Every 6 hours from 29 days before to 3 days after the expiry.
		for ; w.now.Before(jst(2026, 7, 3)); w.now = w.now.Add(6 * time.Hour) {
			for _, f := range w.check(r) {
				firedOn[f.Threshold] = append(firedOn[f.Threshold], keyrelay.FormatDate(w.now))
				if got, want := f.Expiry, "2026/06/30"; got != want {
					t.Errorf("fired expiry %q, want %q", got, want)
				}
			}
		}
		want := map[int][]string{14: {"2026/06/16"}, 3: {"2026/06/27"}, 1: {"2026/06/29"}, 0: {"2026/06/30"}}
		for th, days := range want {
			if got := firedOn[th]; !slices.Equal(got, days) {
				t.Errorf("threshold %d fired on %v, want %v", th, got, days)
			}
		}
		if len(firedOn) != len(want) {
			t.Errorf("fired thresholds %v, want exactly %v", firedOn, want)
		}
		if got, want := len(rec.notes), 4; got != want {
			t.Fatalf("notifications = %d, want %d", got, want)
		}
		if n := rec.notes[0]; !strings.Contains(n.Title, "あと14日") || !strings.Contains(n.Body, "2026/06/30") || !strings.Contains(n.Body, "in 14 day") {
			t.Errorf("14-day notification = %+v", n)
		}
		if n := rec.notes[3]; !strings.Contains(n.Title, "本日") || !n.Urgent {
			t.Errorf("on-the-day notification = %+v, want 本日 and urgent", n)
		}
	})

	t.Run("a restart neither repeats nor drops a reminder", func(t *testing.T) {
		w := newWorld(t, jst(2026, 6, 16))
		w.listing("GoQSystem", "2026/06/30", false)
		rec := &recorder{}
		if got := thresholds(w.check(w.newReminder(rec))); !slices.Equal(got, []int{14}) {
			t.Fatalf("first run fired %v, want [14]", got)
		}

		w.restart()
		if got := w.check(w.newReminder(rec)); len(got) != 0 {
			t.Errorf("after restart fired %v, want nothing (14 already shown)", thresholds(got))
		}

		// Down from 6/26 (4 days left) to 6/28 (2 days left): the 3-day
		// reminder came due while nothing ran.
		w.now = jst(2026, 6, 26)
		if got := w.check(w.newReminder(rec)); len(got) != 0 {
			t.Errorf("6/26 fired %v, want nothing", thresholds(got))
		}
		w.restart()
		w.now = jst(2026, 6, 28)
		r := w.newReminder(rec)
		if got := thresholds(w.check(r)); !slices.Equal(got, []int{3}) {
			t.Errorf("start on 6/28 fired %v, want [3]", got)
		}
		if got := w.check(r); len(got) != 0 {
			t.Errorf("second check fired %v, want nothing", thresholds(got))
		}
		if got, want := len(rec.notes), 2; got != want {
			t.Errorf("notifications = %d, want %d", got, want)
		}
	})

	t.Run("thresholds missed during downtime fire once, the most urgent only", func(t *testing.T) {
		w := newWorld(t, jst(2026, 6, 29))
		w.listing("GoQSystem", "2026/06/30", false)
		rec := &recorder{}
		r := w.newReminder(rec)
		if got := thresholds(w.check(r)); !slices.Equal(got, []int{1}) {
			t.Errorf("fired %v, want [1] (not 14 and 3 as well)", got)
		}
		w.now = jst(2026, 6, 30)
		if got := thresholds(w.check(r)); !slices.Equal(got, []int{0}) {
			t.Errorf("on the day fired %v, want [0]", got)
		}
	})

	t.Run("an expired key reminds once", func(t *testing.T) {
		w := newWorld(t, jst(2026, 7, 10))
		w.listing("GoQSystem", "2026/06/30", false)
		rec := &recorder{}
		got := w.check(w.newReminder(rec))
		if len(got) != 1 || got[0].Threshold != 0 || got[0].Alert.Kind != keyrelay.AlertExpired {
			t.Fatalf("fired %+v, want one expired reminder", got)
		}
		w.now = jst(2026, 7, 11)
		if got := w.check(w.newReminder(rec)); len(got) != 0 {
			t.Errorf("next day fired %v, want nothing", thresholds(got))
		}
	})

	t.Run("the estimate is replaced by a real expiry when one is seen", func(t *testing.T) {
		captured := jst(2026, 3, 1)
		w := newWorld(t, captured)
		w.capture("GoQSystem", "-")
		estimate := keyrelay.FormatDate(captured.Add(keyrelay.EstimatedKeyLifetime)) // 2026/05/30
		rec := &recorder{}
		r := w.newReminder(rec)

		w.now = captured.Add(keyrelay.EstimatedKeyLifetime - 14*24*time.Hour)
		got := w.check(r)
		if len(got) != 1 || got[0].Threshold != 14 || got[0].Expiry != estimate {
			t.Fatalf("fired %+v, want the 14-day reminder for the estimate %s", got, estimate)
		}
		if !strings.Contains(got[0].Alert.Message, "推定") || !strings.Contains(got[0].Alert.MessageEn, "estimated") {
			t.Errorf("estimate reminder does not say it is an estimate: %q / %q", got[0].Alert.Message, got[0].Alert.MessageEn)
		}

		// アプリ一覧 shows the real date, 5 days away.
		real := w.now.Add(5 * 24 * time.Hour)
		w.listing("GoQSystem", keyrelay.FormatDate(real), false)
		got = w.check(r)
		if len(got) != 1 || got[0].Expiry != keyrelay.FormatDate(real) || got[0].Threshold != 14 {
			t.Fatalf("after the listing fired %+v, want the 14-day reminder for %s", got, keyrelay.FormatDate(real))
		}
		if strings.Contains(got[0].Alert.Message, "推定") {
			t.Errorf("real-expiry reminder still says 推定: %q", got[0].Alert.Message)
		}
		// The estimate's later thresholds never fire: it is gone.
		w.now = real.Add(-2 * 24 * time.Hour)
		got = w.check(r)
		if len(got) != 1 || got[0].Threshold != 3 || got[0].Expiry != keyrelay.FormatDate(real) {
			t.Errorf("fired %+v, want the 3-day reminder for the real expiry", got)
		}
	})

	t.Run("更新あり reminds once per pending update", func(t *testing.T) {
		w := newWorld(t, jst(2026, 6, 1))
		w.listing("GoQSystem", "2026/12/31", true)
		rec := &recorder{}
		r := w.newReminder(rec)
		got := w.check(r)
		if len(got) != 1 || got[0].Kind != reminder.KindUpdate {
			t.Fatalf("fired %+v, want one update reminder", got)
		}
		if got := w.check(r); len(got) != 0 {
			t.Errorf("second check fired %+v", got)
		}
		w.restart()
		r = w.newReminder(rec)
		if got := w.check(r); len(got) != 0 {
			t.Errorf("after restart fired %+v, want nothing", got)
		}

		// Approved in RMS: no longer pending. A later update reminds again.
		w.now = w.now.Add(time.Hour)
		w.listing("GoQSystem", "2026/12/31", false)
		if got := w.check(r); len(got) != 0 {
			t.Errorf("resolved update fired %+v", got)
		}
		w.now = w.now.Add(time.Hour)
		w.listing("GoQSystem", "2026/12/31", true)
		if got := w.check(r); len(got) != 1 || got[0].Kind != reminder.KindUpdate {
			t.Errorf("new update fired %+v, want one update reminder", got)
		}
	})

	t.Run("a developer spelt differently on アプリ一覧 does not repeat a reminder", func(t *testing.T) {
		w := newWorld(t, jst(2026, 3, 1))
		w.capture("GoQSystem", "2026/03/10") // developer 株式会社GoQSystem
		rec := &recorder{}
		if got := thresholds(w.check(w.newReminder(rec))); !slices.Equal(got, []int{14}) {
			t.Fatalf("fired %v, want [14]", got)
		}
		w.now = w.now.Add(time.Hour)
		err := sqlite.NewAppStatusService(w.db).RecordAppListing(context.Background(), &keyrelay.AppListing{
			Shop: keyrelay.ShopRef{ID: "123456"},
			Rows: []keyrelay.AppListRow{{Developer: "GoQSystem Inc.", AppName: "GoQSystem", KeyLast4: "5678", Expiry: "2026/03/10"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := w.check(w.newReminder(rec)); len(got) != 0 {
			t.Errorf("fired %+v again after the listing", got)
		}
	})

	t.Run("events hear when the alerts change, not on every check", func(t *testing.T) {
		w := newWorld(t, jst(2026, 6, 1))
		w.listing("GoQSystem", "2026/06/30", false)
		rec := &recorder{}
		r := w.newReminder(rec)
		w.check(r)
		w.check(r)
		if got := rec.alertsChanged; got != 0 {
			t.Errorf("AlertsChanged = %d with no alerts, want 0", got)
		}
		w.now = jst(2026, 6, 16) // 14 days left: an alert and a reminder
		w.check(r)
		w.now = w.now.Add(time.Hour)
		w.check(r)
		if got := rec.alertsChanged; got != 1 {
			t.Errorf("AlertsChanged = %d, want 1", got)
		}
		w.now = jst(2026, 6, 17) // 13 days left: the alert's text changes
		w.check(r)
		if got := rec.alertsChanged; got != 2 {
			t.Errorf("AlertsChanged = %d after a day passed, want 2", got)
		}
	})
}

func TestRunChecksAtStartAndOnWake(t *testing.T) {
	w := newWorld(t, jst(2026, 6, 29))
	w.listing("GoQSystem", "2026/06/30", false)
	rec := &recorder{}
	r := w.newReminder(rec)
	r.Interval = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	waitFor := func(n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			rec.mu.Lock()
			got := len(rec.notes)
			rec.mu.Unlock()
			if got == n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("notifications = %d, want %d", got, n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor(1) // at start: the 1-day reminder
	w.listing("Other", "2026/07/01", true)
	r.Wake()
	waitFor(3) // 3-day expiry + update pending of the new app
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
}
