//go:build demo

package ws_test

import (
	"strings"
	"testing"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
	"keyrelay/internal/sqlite"
)

// A capture whose API description is 10 KB is stored with its key, the
// description cut with the marker: descriptive fields never make a capture
// invalid. Before, the helper answered invalid_capture and the extension
// dropped the key.
func TestLongDescriptionStoredTruncated(t *testing.T) {
	e := newEnv(t)
	c, _ := e.authed(t)
	capture := newCapture(testKey)
	long := strings.Repeat("画像IDを指定して画像を削除フォルダに移動することができます。", 120)
	if len(long) < 10<<10 {
		t.Fatalf("description only %d bytes", len(long))
	}
	capture.APIs[0].Description = long
	if _, err := c.Capture(e.ctx, capture); err != nil {
		t.Fatalf("Capture: %v", err)
	}
	cs := sqlite.NewCaptureService(e.db)
	stored, err := cs.FindCaptureByUUID(e.ctx, capture.CaptureID)
	if err != nil {
		t.Fatal(err)
	}
	if key, err := cs.RevealKey(e.ctx, stored.ID); err != nil || key != testKey {
		t.Fatalf("stored key differs (%v)", err)
	}
	d := stored.APIs[0].Description
	if len(d) > keyrelay.MaxAPIDescLen || !strings.HasSuffix(d, keyrelay.TruncMarker) || !strings.HasPrefix(long, strings.TrimSuffix(d, keyrelay.TruncMarker)) {
		t.Errorf("description stored as %d bytes, want at most %d: the original's start and the marker", len(d), keyrelay.MaxAPIDescLen)
	}
}

// An アプリ一覧 with one bad row stores the good ones: a row whose key_last4
// could be a whole key is dropped, one with an unreadable expiry is kept
// without an expiry.
func TestAppListBadRowKeepsTheOthers(t *testing.T) {
	e := newEnv(t)
	c, _ := e.authed(t)
	rows, err := c.AppList(e.ctx, &protocol.AppListing{
		Shop:    keyrelay.ShopRef{ID: "123456", Name: "サンプル店"},
		PageURL: "https://webservice.rms.rakuten.co.jp/merchant-portal/apps",
		Rows: []keyrelay.AppListRow{
			{AppName: "店舗アプリ", KeyLast4: "A9FR", Expiry: "2025/05/26", State: "利用中"},
			{AppName: "盗み見", KeyLast4: testKey, Expiry: "-", State: "利用中"},
			{AppName: "GoQ System (ごくシステム)", KeyLast4: "IANT", Expiry: "近日", State: "利用中"},
		},
	})
	if err != nil {
		t.Fatalf("AppList: %v", err)
	}
	if rows != 2 {
		t.Errorf("ack rows = %d, want 2 stored", rows)
	}
	as, err := sqlite.NewAppStatusService(e.db).FindAppStatuses(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*keyrelay.AppStatus{}
	for _, a := range as {
		got[a.AppName] = a
	}
	if len(got) != 2 || got["盗み見"] != nil {
		t.Fatalf("stored apps %v, want the two good rows", got)
	}
	if a := got["店舗アプリ"]; a == nil || a.Expiry != "2025/05/26" || a.ExpiresAt.IsZero() {
		t.Errorf("店舗アプリ: %+v", a)
	}
	if a := got["GoQ System (ごくシステム)"]; a == nil || a.Expiry != "-" || !a.ExpiresAt.IsZero() || a.KeyLast4 != "IANT" {
		t.Errorf("GoQ row with an unreadable expiry: %+v, want kept without an expiry", a)
	}
	if strings.Contains(e.logs.String(), testKey) {
		t.Error("the helper logged the key from the bad row")
	}
}
