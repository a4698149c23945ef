package reminder_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/reminder"
	"keyrelay/internal/sqlite"
)

func TestDaysLeft(t *testing.T) {
	expiry := time.Date(2026, 6, 30, 0, 0, 0, 0, keyrelay.JST)
	for _, tc := range []struct {
		name string
		now  time.Time
		want int
	}{
		{"day before, last minute in Japan", time.Date(2026, 6, 29, 23, 59, 0, 0, keyrelay.JST), 1},
		{"the day, first minute in Japan", time.Date(2026, 6, 30, 0, 0, 0, 0, keyrelay.JST), 0},
		{"the day, given in UTC (still 6/29 in UTC)", time.Date(2026, 6, 29, 15, 30, 0, 0, time.UTC), 0},
		{"the day, last minute", time.Date(2026, 6, 30, 23, 59, 0, 0, keyrelay.JST), 0},
		{"day after", time.Date(2026, 7, 1, 0, 0, 0, 0, keyrelay.JST), -1},
		{"two weeks", time.Date(2026, 6, 16, 12, 0, 0, 0, keyrelay.JST), 14},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := reminder.DaysLeft(expiry, tc.now); got != tc.want {
				t.Errorf("DaysLeft = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestAlertsFor(t *testing.T) {
	now := jst(2026, 6, 20)
	app := func(name string, expires time.Time, mod func(*keyrelay.AppStatus)) *keyrelay.AppStatus {
		a := &keyrelay.AppStatus{ShopID: 1, ShopName: "テスト店舗", AppName: name, KeyLast4: "5678", ExpiresAt: expires}
		if mod != nil {
			mod(a)
		}
		return a
	}
	day := func(d int) time.Time { return time.Date(2026, 6, 20+d, 0, 0, 0, 0, keyrelay.JST) }
	got := reminder.AlertsFor([]*keyrelay.AppStatus{
		app("far", day(30), nil),
		app("unknown", time.Time{}, nil),
		app("soon", day(10), nil),
		app("update", day(60), func(a *keyrelay.AppStatus) { a.UpdatePending = true }),
		app("sooner", day(2), func(a *keyrelay.AppStatus) { a.ExpiryEstimated = true }),
		app("failed", day(90), func(a *keyrelay.AppStatus) { a.LastDelivery = keyrelay.DeliveryNeedsAttention }),
		app("delivered", day(90), func(a *keyrelay.AppStatus) { a.LastDelivery = keyrelay.DeliveryDelivered }),
		app("gone", day(-3), nil),
		app("today", day(0), nil),
	}, now)

	type row struct {
		kind, app string
		days      int
	}
	want := []row{
		{keyrelay.AlertExpired, "gone", -3},
		{keyrelay.AlertNeedsAttention, "failed", 0},
		{keyrelay.AlertExpiring, "today", 0},
		{keyrelay.AlertExpiring, "sooner", 2},
		{keyrelay.AlertExpiring, "soon", 10},
		{keyrelay.AlertUpdatePending, "update", 0},
	}
	if len(got) != len(want) {
		t.Fatalf("alerts = %+v, want %d", got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if (row{g.Kind, g.AppName, g.DaysLeft}) != w {
			t.Errorf("alert %d = %s %s %d, want %+v", i, g.Kind, g.AppName, g.DaysLeft, w)
		}
		if g.ShopName != "テスト店舗" || g.Message == "" || g.MessageEn == "" {
			t.Errorf("alert %d lacks shop or messages: %+v", i, g)
		}
		if strings.Contains(g.Message, "SL123456") {
			t.Errorf("alert %d carries a key", i)
		}
	}
	if m := got[3].Message; !strings.Contains(m, "あと2日") || !strings.Contains(m, "推定") {
		t.Errorf("estimated alert = %q, want あと2日 and 推定", m)
	}
	if m := got[2].Message; !strings.Contains(m, "本日") {
		t.Errorf("on-the-day alert = %q, want 本日", m)
	}
}

func TestSourceOverTheStore(t *testing.T) {
	w := newWorld(t, jst(2026, 6, 28))
	w.listing("GoQSystem", "2026/06/30", true)
	src := &reminder.Source{Apps: sqlite.NewAppStatusService(w.db)}
	var _ keyrelay.AlertSource = src
	got, err := src.Alerts(context.Background(), w.now)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Kind != keyrelay.AlertExpiring || got[0].DaysLeft != 2 || got[1].Kind != keyrelay.AlertUpdatePending {
		t.Errorf("alerts = %+v, want expiring in 2 days, then update pending", got)
	}
}
