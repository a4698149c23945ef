package sqlite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

func jstDate(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, keyrelay.JST)
}

func listing(shopID string, seen time.Time, rows ...keyrelay.AppListRow) *keyrelay.AppListing {
	return &keyrelay.AppListing{
		Shop:    keyrelay.ShopRef{ID: shopID, Name: "テスト店舗 " + shopID},
		PageURL: "https://webservice.rms.rakuten.co.jp/apps",
		SeenAt:  seen,
		Rows:    rows,
	}
}

func findApp(t *testing.T, svc *sqlite.AppStatusService, app string) *keyrelay.AppStatus {
	t.Helper()
	as, err := svc.FindAppStatuses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var found *keyrelay.AppStatus
	for _, a := range as {
		if a.AppName == app {
			if found != nil {
				t.Fatalf("app %q listed twice: %+v and %+v", app, found, a)
			}
			found = a
		}
	}
	if found == nil {
		t.Fatalf("app %q not in %+v", app, as)
	}
	return found
}

func TestAppStatusService(t *testing.T) {
	ctx := context.Background()

	t.Run("a listing is recorded and upserted per shop, developer and app", func(t *testing.T) {
		e := newEnv(t)
		svc := sqlite.NewAppStatusService(e.db)
		row := keyrelay.AppListRow{Developer: "株式会社GoQSystem", AppName: "GoQSystem", KeyLast4: "5678", Expiry: "2026/06/09", State: "利用中"}
		if err := svc.RecordAppListing(ctx, listing("123456", t0.Add(-time.Minute), row)); err != nil {
			t.Fatal(err)
		}
		row.UpdatePending, row.State, row.Expiry = true, "利用中（更新あり）", "2026/06/10"
		e.clock.Add(time.Hour)
		if err := svc.RecordAppListing(ctx, listing("123456", time.Time{}, row)); err != nil {
			t.Fatal(err)
		}
		as, err := svc.FindAppStatuses(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(as), 1; got != want {
			t.Fatalf("statuses = %d, want %d: %+v", got, want, as)
		}
		got := *as[0]
		want := keyrelay.AppStatus{
			ShopID: got.ShopID, ShopName: "テスト店舗 123456", ShopKey: "id:123456", ShopRMSID: "123456", Developer: "株式会社GoQSystem", AppName: "GoQSystem",
			KeyLast4: "5678", Expiry: "2026/06/10", ExpiresAt: jstDate(2026, 6, 10), UpdatePending: true,
			SeenAt: t0.Add(time.Hour),
		}
		if !got.ExpiresAt.Equal(want.ExpiresAt) {
			t.Errorf("ExpiresAt = %v, want %v", got.ExpiresAt, want.ExpiresAt)
		}
		got.ExpiresAt = want.ExpiresAt
		if got != want {
			t.Errorf("status:\n got %+v\nwant %+v", got, want)
		}
		if got.ShopID == 0 {
			t.Error("ShopID is 0")
		}
	})

	t.Run("a late resend of an older listing changes nothing", func(t *testing.T) {
		e := newEnv(t)
		svc := sqlite.NewAppStatusService(e.db)
		newer := keyrelay.AppListRow{AppName: "A", Expiry: "2026/07/01"}
		older := keyrelay.AppListRow{AppName: "A", Expiry: "2026/01/01"}
		if err := svc.RecordAppListing(ctx, listing("1", t0.Add(-time.Minute), newer)); err != nil {
			t.Fatal(err)
		}
		if err := svc.RecordAppListing(ctx, listing("1", t0.Add(-time.Hour), older)); err != nil {
			t.Fatal(err)
		}
		if got, want := findApp(t, svc, "A").Expiry, "2026/07/01"; got != want {
			t.Errorf("Expiry = %q, want %q", got, want)
		}
	})

	t.Run("no expiry shown: estimated 90 days from the capture, replaced by a real one when seen", func(t *testing.T) {
		e := newEnv(t)
		svc := sqlite.NewAppStatusService(e.db)
		c := newCapture("123456", "GoQSystem", testKey)
		c.Expiry = "-"
		stored := mustCreate(t, e, c)

		a := findApp(t, svc, "GoQSystem")
		if want := stored.CapturedAt.Add(keyrelay.EstimatedKeyLifetime); !a.ExpiresAt.Equal(want) || !a.ExpiryEstimated {
			t.Errorf("ExpiresAt, estimated = %v, %v; want %v, true", a.ExpiresAt, a.ExpiryEstimated, want)
		}
		if got, want := a.Expiry, "-"; got != want {
			t.Errorf("Expiry = %q, want %q", got, want)
		}
		if got, want := a.KeyLast4, "5678"; got != want {
			t.Errorf("KeyLast4 = %q, want %q", got, want)
		}
		if !a.LastCaptureAt.Equal(stored.CapturedAt) {
			t.Errorf("LastCaptureAt = %v, want %v", a.LastCaptureAt, stored.CapturedAt)
		}
		// No GoQ login configured: the capture's delivery waits for one.
		if got, want := a.LastDelivery, keyrelay.DeliveryWaitingLogin; got != want {
			t.Errorf("LastDelivery = %q, want %q", got, want)
		}

		// アプリ一覧 still shows no expiry: still the estimate.
		e.clock.Add(time.Minute)
		row := keyrelay.AppListRow{Developer: "株式会社GoQSystem", AppName: "GoQSystem", KeyLast4: "5678", Expiry: "-"}
		if err := svc.RecordAppListing(ctx, listing("123456", time.Time{}, row)); err != nil {
			t.Fatal(err)
		}
		if a := findApp(t, svc, "GoQSystem"); !a.ExpiryEstimated {
			t.Errorf("after a '-' listing: estimated = false, want true (%+v)", a)
		}

		// Now it shows one: the real date replaces the estimate.
		e.clock.Add(time.Minute)
		row.Expiry = "2026/06/09"
		if err := svc.RecordAppListing(ctx, listing("123456", time.Time{}, row)); err != nil {
			t.Fatal(err)
		}
		a = findApp(t, svc, "GoQSystem")
		if !a.ExpiresAt.Equal(jstDate(2026, 6, 9)) || a.ExpiryEstimated || a.Expiry != "2026/06/09" {
			t.Errorf("after a dated listing: %q %v estimated=%v; want 2026/06/09, not estimated", a.Expiry, a.ExpiresAt, a.ExpiryEstimated)
		}
	})

	t.Run("a capture's own expiry is used when there is no listing", func(t *testing.T) {
		e := newEnv(t)
		svc := sqlite.NewAppStatusService(e.db)
		mustCreate(t, e, newCapture("1", "A", testKey)) // Expiry 2026/08/24
		a := findApp(t, svc, "A")
		if !a.ExpiresAt.Equal(jstDate(2026, 8, 24)) || a.ExpiryEstimated || a.Expiry != "2026/08/24" {
			t.Errorf("got %q %v estimated=%v; want 2026/08/24 not estimated", a.Expiry, a.ExpiresAt, a.ExpiryEstimated)
		}
	})

	t.Run("a newer capture of a different key outdates the listing's expiry", func(t *testing.T) {
		e := newEnv(t)
		svc := sqlite.NewAppStatusService(e.db)
		old := keyrelay.AppListRow{AppName: "A", KeyLast4: "0000", Expiry: "2026/05/28", UpdatePending: true}
		if err := svc.RecordAppListing(ctx, listing("1", t0.Add(-time.Hour), old)); err != nil {
			t.Fatal(err)
		}
		c := newCapture("1", "A", testKey) // captured at t0-1s, after the listing
		c.Expiry = "-"
		stored := mustCreate(t, e, c)
		a := findApp(t, svc, "A")
		if want := stored.CapturedAt.Add(keyrelay.EstimatedKeyLifetime); !a.ExpiresAt.Equal(want) || !a.ExpiryEstimated {
			t.Errorf("ExpiresAt = %v estimated=%v; want the new key's estimate %v", a.ExpiresAt, a.ExpiryEstimated, want)
		}
		if a.KeyLast4 != "5678" || a.UpdatePending {
			t.Errorf("KeyLast4, UpdatePending = %q, %v; want the capture's 5678, false", a.KeyLast4, a.UpdatePending)
		}
	})

	t.Run("apps of different shops stay apart", func(t *testing.T) {
		e := newEnv(t)
		svc := sqlite.NewAppStatusService(e.db)
		for _, shop := range []string{"1", "2"} {
			if err := svc.RecordAppListing(ctx, listing(shop, time.Time{}, keyrelay.AppListRow{AppName: "A", Expiry: "2026/06/0" + shop})); err != nil {
				t.Fatal(err)
			}
		}
		mustCreate(t, e, newCapture("2", "A", testKey))
		as, err := svc.FindAppStatuses(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(as) != 2 {
			t.Fatalf("statuses = %d, want 2: %+v", len(as), as)
		}
		if as[0].ShopName != "テスト店舗 1" || as[0].Expiry != "2026/06/01" || !as[0].LastCaptureAt.IsZero() {
			t.Errorf("shop 1: %+v", as[0])
		}
		if as[1].ShopName != "テスト店舗 2" || as[1].LastCaptureAt.IsZero() {
			t.Errorf("shop 2: %+v", as[1])
		}
	})

	// One bad row costs only itself: the others are stored, a row with an
	// unreadable expiry is kept without one.
	t.Run("bad rows are dropped or repaired one by one", func(t *testing.T) {
		e := newEnv(t)
		svc := sqlite.NewAppStatusService(e.db)
		err := svc.RecordAppListing(ctx, listing("1", time.Time{},
			keyrelay.AppListRow{AppName: "A", Expiry: "2026/06/01", KeyLast4: "AAAA"},
			keyrelay.AppListRow{AppName: "B", Expiry: "来月", KeyLast4: "BBBB"},
			keyrelay.AppListRow{AppName: "  ", Expiry: "-"},
			keyrelay.AppListRow{AppName: "C\xff", Expiry: "-"},
			keyrelay.AppListRow{AppName: "D", Expiry: "-", KeyLast4: "SL123456_AbCdEfGh12345678"},
			keyrelay.AppListRow{AppName: "E", Expiry: "2026/07/01", Developer: strings.Repeat("開発", 500)},
		))
		if err != nil {
			t.Fatal(err)
		}
		as, err := svc.FindAppStatuses(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range as {
			names = append(names, a.AppName)
		}
		if got, want := strings.Join(names, ","), "A,B,E"; got != want {
			t.Fatalf("stored apps %s, want %s", got, want)
		}
		if a := findApp(t, svc, "A"); a.Expiry != "2026/06/01" || !a.ExpiresAt.Equal(jstDate(2026, 6, 1)) {
			t.Errorf("A: %+v", a)
		}
		if b := findApp(t, svc, "B"); b.Expiry != "-" || !b.ExpiresAt.IsZero() || b.KeyLast4 != "BBBB" {
			t.Errorf("B (unreadable expiry): %+v, want kept without an expiry", b)
		}
		if e := findApp(t, svc, "E"); len(e.Developer) > keyrelay.MaxDeveloperLen || !strings.HasSuffix(e.Developer, keyrelay.TruncMarker) {
			t.Errorf("E: developer of %d bytes", len(e.Developer))
		}
	})

	t.Run("bad input is refused and stores nothing", func(t *testing.T) {
		e := newEnv(t)
		svc := sqlite.NewAppStatusService(e.db)
		for _, tc := range []struct {
			name string
			l    *keyrelay.AppListing
		}{
			{"nil", nil},
			{"too many rows", listing("1", time.Time{}, make([]keyrelay.AppListRow, keyrelay.MaxAppRows+1)...)},
			{"shop id too long", listing(strings.Repeat("1", keyrelay.MaxShopIDLen+1), time.Time{}, keyrelay.AppListRow{AppName: "A", Expiry: "-"})},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := svc.RecordAppListing(ctx, tc.l)
				wantCode(t, err, keyrelay.EINVALID)
				if ja, en := keyrelay.ErrorMessage(err); ja == "" || en == "" {
					t.Errorf("messages %q / %q, want both", ja, en)
				}
			})
		}
		as, err := svc.FindAppStatuses(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(as) != 0 {
			t.Errorf("statuses after refused input: %+v, want none", as)
		}
	})
}
