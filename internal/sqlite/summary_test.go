package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

// The per-app summary, the counters and the text index are kept by the
// capture's own transaction: what they say must equal what a scan of the
// captures says.
func TestSummaryKeptWithCaptures(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	cs := sqlite.NewCaptureService(e.db)
	var last = map[string]*keyrelay.Capture{}
	for i := range 30 {
		shop := fmt.Sprintf("%06d", 111111*(1+i%3))
		app := fmt.Sprintf("App%d", i%4)
		last[shop+"/"+app] = mustCreate(t, e, newCapture(shop, app, fmt.Sprintf("SL%s_AbCdEfGh1234%04d", shop, i)))
	}

	statuses, err := sqlite.NewAppStatusService(e.db).FindAppStatuses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(statuses) != len(last) {
		t.Fatalf("board has %d apps, want %d", len(statuses), len(last))
	}
	for _, st := range statuses {
		shops, _ := sqlite.NewShopService(e.db).FindShopByID(ctx, st.ShopID)
		c := last[shops.Ref.ID+"/"+st.AppName]
		if c == nil || st.KeyLast4 != c.KeyLast4 || !st.LastCaptureAt.Equal(c.CapturedAt) {
			t.Fatalf("board row %s/%s: last4 %s, want the newest capture's %+v", shops.Ref.ID, st.AppName, st.KeyLast4, c)
		}
	}

	_, total, err := cs.FindCaptures(ctx, keyrelay.CaptureFilter{})
	if err != nil || total != 30 {
		t.Fatalf("total: %d, %v; want 30", total, err)
	}
	shopID := last["222222/App1"].ShopID
	_, total, err = cs.FindCaptures(ctx, keyrelay.CaptureFilter{ShopID: &shopID})
	if err != nil || total != 10 {
		t.Fatalf("shop total: %d, %v; want 10", total, err)
	}
}

func TestTextFilterPagesAndCountLimit(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	cs := sqlite.NewCaptureService(e.db)
	var want []int64 // newest first, the captures of app "在庫連携"
	for i := range 40 {
		app := "レビュー管理"
		if i%2 == 0 {
			app = "在庫連携アプリ"
		}
		c := mustCreate(t, e, newCapture(fmt.Sprintf("%06d", 111111*(1+i%2)), app, testKey))
		if i%2 == 0 {
			want = append([]int64{c.ID}, want...)
		}
	}

	var got []int64
	before := int64(0)
	for {
		page, total, err := cs.FindCaptures(ctx, keyrelay.CaptureFilter{Query: "在庫連携", BeforeID: before, Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		if total != 20 {
			t.Fatalf("total %d, want 20", total)
		}
		for _, c := range page {
			got = append(got, c.ID)
		}
		if len(page) < 7 {
			break
		}
		before = page[len(page)-1].ID
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pages: got %v, want %v", got, want)
	}

	_, total, err := cs.FindCaptures(ctx, keyrelay.CaptureFilter{Query: "在庫連携", CountLimit: 5})
	if err != nil || total != 5 {
		t.Fatalf("count limited to 5: got %d, %v", total, err)
	}
	// Shop 111111 holds the even captures only: all 20 in the app.
	shop := mustCreate(t, e, newCapture("111111", "別アプリ", testKey)).ShopID
	_, total, err = cs.FindCaptures(ctx, keyrelay.CaptureFilter{Query: "在庫連携", ShopID: &shop})
	if err != nil || total != 20 {
		t.Fatalf("shop and text: got %d, %v; want 20", total, err)
	}
	// A quote in the text is text, not FTS5 syntax.
	if _, total, err = cs.FindCaptures(ctx, keyrelay.CaptureFilter{Query: `在庫"連携`}); err != nil || total != 0 {
		t.Fatalf(`a quote: got %d, %v; want 0 and no error`, total, err)
	}
}

func TestEachCaptureStreamsWithDeliveries(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	setCreds(t, e, "")
	cs := sqlite.NewCaptureService(e.db)
	var ids []int64
	for i := range 12 {
		app := "GoQ System (ごくシステム)"
		if i%3 == 0 {
			app = "在庫連携アプリ" // not delivered anywhere: no delivery row
		}
		ids = append([]int64{mustCreate(t, e, newCapture("111111", app, testKey)).ID}, ids...)
	}

	var got []int64
	err := cs.EachCapture(ctx, keyrelay.CaptureFilter{}, func(c *keyrelay.Capture, ds []*keyrelay.Delivery) error {
		got = append(got, c.ID)
		goq := keyrelay.DeliversTo(keyrelay.DestinationGoQ, c)
		if goq && (len(ds) != 1 || ds[0].Destination != keyrelay.DestinationGoQ || ds[0].Status == "") || !goq && len(ds) != 0 {
			t.Errorf("capture %d (%s): deliveries %+v", c.ID, c.AppName, ds)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Fatalf("order: got %v, want %v", got, ids)
	}

	n := 0
	if err := cs.EachCapture(ctx, keyrelay.CaptureFilter{Query: "在庫"}, func(*keyrelay.Capture, []*keyrelay.Delivery) error { n++; return nil }); err != nil || n != 4 {
		t.Fatalf("filtered: %d rows, %v; want 4", n, err)
	}
	stop := errors.New("stop")
	n = 0
	err = cs.EachCapture(ctx, keyrelay.CaptureFilter{}, func(*keyrelay.Capture, []*keyrelay.Delivery) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("fn's error: got %v after %d rows, want it returned after 1", err, n)
	}
}
