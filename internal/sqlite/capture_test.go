package sqlite_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

func TestCreateCapture(t *testing.T) {
	ctx := context.Background()

	t.Run("StoresAndReveals", func(t *testing.T) {
		e := newEnv(t)
		cs := sqlite.NewCaptureService(e.db)
		in := newCapture("123456", "GoQSystem", testKey)
		got := mustCreate(t, e, in)
		if got.ID == 0 || got.ShopID == 0 {
			t.Fatalf("ids not set: %+v", got)
		}
		if got, want := got.KeyLast4, "5678"; got != want {
			t.Errorf("last4: got %q, want %q", got, want)
		}
		if got.Key != "" {
			t.Error("returned capture still holds the plaintext key")
		}
		if len(got.KeyFingerprint) != 16 {
			t.Errorf("fingerprint: got %q", got.KeyFingerprint)
		}
		if !got.ReceivedAt.Equal(t0) {
			t.Errorf("received_at: got %v, want %v", got.ReceivedAt, t0)
		}

		found, err := cs.FindCaptureByID(ctx, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ name, got, want string }{
			{"uuid", found.UUID, in.UUID},
			{"app", found.AppName, "GoQSystem"},
			{"developer", found.Developer, "株式会社GoQSystem"},
			{"shop name", found.Shop.Name, "テスト店舗 123456"},
			{"expiry", found.Expiry, "2026/08/24"},
			{"state", found.State, "利用中"},
			{"client", found.ClientID, "c_0123456789abcdef"},
			{"fingerprint", found.KeyFingerprint, got.KeyFingerprint},
			{"apis", fmt.Sprint(found.APIs), "[{RakutenPayOrderAPI 受注情報の取得}]"},
			{"captured_at", found.CapturedAt.String(), in.CapturedAt.UTC().String()},
			{"received_at", found.ReceivedAt.String(), t0.String()},
		} {
			if c.got != c.want {
				t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
			}
		}
		if found.Key != "" {
			t.Error("found capture holds the plaintext key")
		}
		byUUID, err := cs.FindCaptureByUUID(ctx, strings.ToUpper(in.UUID))
		if err != nil || byUUID.ID != got.ID {
			t.Fatalf("by uuid: %v, %v", byUUID, err)
		}
		key, err := cs.RevealKey(ctx, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		if key != testKey {
			t.Fatalf("reveal: got %q, want the key", key)
		}
	})

	t.Run("IdempotentResend", func(t *testing.T) {
		e := newEnv(t)
		cs := sqlite.NewCaptureService(e.db)
		in := newCapture("123456", "GoQSystem", testKey)
		first := mustCreate(t, e, in)

		again := *in
		again.UUID = strings.ToUpper(in.UUID)
		again.Key = testKey
		again.AppName = "changed on resend"
		e.clock.Add(60e9)
		got, created, err := cs.CreateCapture(ctx, &again)
		if err != nil {
			t.Fatal(err)
		}
		if created {
			t.Fatal("resend created a row")
		}
		if got.ID != first.ID || got.AppName != "GoQSystem" || !got.ReceivedAt.Equal(t0) {
			t.Fatalf("resend returned %+v, want the stored capture", got)
		}
		_, total, err := cs.FindCaptures(ctx, keyrelay.CaptureFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if total != 1 {
			t.Fatalf("captures: got %d, want 1", total)
		}
		ds, err := sqlite.NewDeliveryService(e.db).FindDeliveries(ctx, keyrelay.DeliveryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 {
			t.Fatalf("deliveries: got %d, want 1", len(ds))
		}
	})

	t.Run("ResendWithOtherKeyConflicts", func(t *testing.T) {
		e := newEnv(t)
		in := newCapture("123456", "GoQSystem", testKey)
		mustCreate(t, e, in)
		in.Key = "SL123456_ZyXwVuTs98765432"
		_, _, err := sqlite.NewCaptureService(e.db).CreateCapture(ctx, in)
		wantCode(t, err, keyrelay.ECONFLICT)
	})

	t.Run("Invalid", func(t *testing.T) {
		e := newEnv(t)
		cs := sqlite.NewCaptureService(e.db)
		for _, tc := range []struct {
			name string
			edit func(c *keyrelay.Capture)
		}{
			{"MaskedKey", func(c *keyrelay.Capture) { c.Key = "SL123456_XXXXXXXXXXXX5678" }},
			{"EmptyKey", func(c *keyrelay.Capture) { c.Key = "" }},
			{"KeyWithSpace", func(c *keyrelay.Capture) { c.Key = "SL123456_AbCdEf 12345678" }},
			{"NoUUID", func(c *keyrelay.Capture) { c.UUID = "" }},
			{"BadUUID", func(c *keyrelay.Capture) { c.UUID = "not-a-uuid" }},
			{"NoApp", func(c *keyrelay.Capture) { c.AppName = "  " }},
			{"LongName", func(c *keyrelay.Capture) { c.Shop.Name = strings.Repeat("店", 2000) }},
			{"LongShopID", func(c *keyrelay.Capture) { c.Shop.ID = strings.Repeat("1", keyrelay.MaxShopIDLen+1) }},
			{"BadUTF8AppName", func(c *keyrelay.Capture) { c.AppName = "GoQ\xff\xfe" }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := newCapture("123456", "GoQSystem", testKey)
				tc.edit(c)
				_, _, err := cs.CreateCapture(ctx, c)
				wantCode(t, err, keyrelay.EINVALID)
				ja, en := keyrelay.ErrorMessage(err)
				if ja == "" || en == "" {
					t.Fatalf("messages: %q / %q", ja, en)
				}
				if strings.Contains(err.Error(), "AbCdEf") || strings.Contains(ja, "AbCdEf") {
					t.Fatalf("error echoes the key: %v", err)
				}
			})
		}
		_, total, _ := cs.FindCaptures(ctx, keyrelay.CaptureFilter{})
		if total != 0 {
			t.Fatalf("invalid captures stored: %d", total)
		}
	})

	// Descriptive fields never cost a valid key: they are cut to the
	// domain's limits with a marker and the capture is stored.
	t.Run("DescriptiveFieldsAreTruncated", func(t *testing.T) {
		e := newEnv(t)
		cs := sqlite.NewCaptureService(e.db)
		in := newCapture("123456", "GoQSystem", testKey)
		long := strings.Repeat("画像IDを指定して削除します。", 10<<10/len("画像IDを指定して削除します。")+1) // > 10 KB
		in.APIs = make([]keyrelay.API, keyrelay.MaxAPIs+20)
		for i := range in.APIs {
			in.APIs[i] = keyrelay.API{Name: fmt.Sprintf("cabinet.file.api%d", i), Description: "短い説明"}
		}
		in.APIs[0].Description = long
		in.Developer = "\xff\xfe" + strings.Repeat("開発", 1000)
		in.AppURL = "https://example.com/" + strings.Repeat("a", 5000)
		orig := in.APIs
		got := mustCreate(t, e, in)
		found, err := cs.FindCaptureByID(ctx, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		if key, err := cs.RevealKey(ctx, got.ID); err != nil || key != testKey {
			t.Fatalf("key not stored intact: %v", err)
		}
		d := found.APIs[0].Description
		if len(long) < 10<<10 || len(d) > keyrelay.MaxAPIDescLen || !strings.HasSuffix(d, keyrelay.TruncMarker) || !strings.HasPrefix(long, strings.TrimSuffix(d, keyrelay.TruncMarker)) {
			t.Errorf("description: %d bytes stored (limit %d), want the start of the %d-byte original and the marker", len(d), keyrelay.MaxAPIDescLen, len(long))
		}
		if len(found.APIs) != keyrelay.MaxAPIs {
			t.Errorf("%d APIs stored, want the first %d", len(found.APIs), keyrelay.MaxAPIs)
		}
		if len(found.Developer) > keyrelay.MaxDeveloperLen || !strings.HasPrefix(found.Developer, "\uFFFD") || !strings.HasSuffix(found.Developer, keyrelay.TruncMarker) {
			t.Errorf("developer %q…: want valid UTF-8, cut with the marker", found.Developer[:20])
		}
		if len(found.AppURL) > keyrelay.MaxAppURLLen || !strings.HasSuffix(found.AppURL, keyrelay.TruncMarker) {
			t.Errorf("app URL: %d bytes", len(found.AppURL))
		}
		if orig[0].Description != long {
			t.Error("CreateCapture changed the caller's API list")
		}
	})

	t.Run("ShopUpsert", func(t *testing.T) {
		e := newEnv(t)
		a := mustCreate(t, e, newCapture("123456", "GoQSystem", testKey))
		c := newCapture("123456", "Other", testKey)
		c.Shop = keyrelay.ShopRef{ID: "123456", URL: "https://www.rakuten.co.jp/example/"}
		b := mustCreate(t, e, c)
		if a.ShopID != b.ShopID {
			t.Fatalf("same shop id, two shops: %d, %d", a.ShopID, b.ShopID)
		}
		sh, err := sqlite.NewShopService(e.db).FindShopByID(ctx, a.ShopID)
		if err != nil {
			t.Fatal(err)
		}
		want := keyrelay.ShopRef{ID: "123456", URL: "https://www.rakuten.co.jp/example/", Name: "テスト店舗 123456"}
		if sh.Ref != want || sh.Key != "id:123456" {
			t.Fatalf("got %+v, want ref %+v", sh, want)
		}
		shops, err := sqlite.NewShopService(e.db).FindShops(ctx)
		if err != nil || len(shops) != 1 {
			t.Fatalf("shops: %v, %v", shops, err)
		}
		_, err = sqlite.NewShopService(e.db).FindShopByID(ctx, 999)
		wantCode(t, err, keyrelay.ENOTFOUND)
	})

	t.Run("NotFound", func(t *testing.T) {
		e := newEnv(t)
		cs := sqlite.NewCaptureService(e.db)
		_, err := cs.FindCaptureByID(ctx, 42)
		wantCode(t, err, keyrelay.ENOTFOUND)
		_, err = cs.FindCaptureByUUID(ctx, testKey)
		wantCode(t, err, keyrelay.ENOTFOUND)
		if strings.Contains(err.Error(), testKey) {
			t.Fatal("not-found error echoes its input")
		}
		_, err = cs.RevealKey(ctx, 42)
		wantCode(t, err, keyrelay.ENOTFOUND)
	})
}

func TestFindCaptures(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	cs := sqlite.NewCaptureService(e.db)
	var ids []int64
	for i := range 7 {
		shop := "111111"
		if i%2 == 1 {
			shop = "222222"
		}
		c := newCapture(shop, fmt.Sprintf("App%d", i%3), fmt.Sprintf("SL%s_AbCdEfGh1234%04d", shop, i))
		ids = append(ids, mustCreate(t, e, c).ID)
	}
	shop1 := mustCreate(t, e, newCapture("111111", "Zeta_100%", "SL111111_QwErTyUi00009999"))
	ids = append(ids, shop1.ID)

	idsOf := func(cs []*keyrelay.Capture) []int64 {
		var out []int64
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}

	t.Run("NewestFirstWithKeyset", func(t *testing.T) {
		page, total, err := cs.FindCaptures(ctx, keyrelay.CaptureFilter{Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fmt.Sprint(idsOf(page)), fmt.Sprint([]int64{ids[7], ids[6], ids[5]}); got != want || total != 8 {
			t.Fatalf("page 1: got %s (total %d), want %s (total 8)", got, total, want)
		}
		page, total, err = cs.FindCaptures(ctx, keyrelay.CaptureFilter{Limit: 3, BeforeID: page[2].ID})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fmt.Sprint(idsOf(page)), fmt.Sprint([]int64{ids[4], ids[3], ids[2]}); got != want || total != 8 {
			t.Fatalf("page 2: got %s (total %d), want %s (total 8)", got, total, want)
		}
	})

	for _, tc := range []struct {
		name  string
		f     keyrelay.CaptureFilter
		total int
	}{
		{"ByShop", keyrelay.CaptureFilter{ShopID: &shop1.ShopID}, 5},
		{"ByApp", keyrelay.CaptureFilter{Query: "app1"}, 2},
		{"ByLast4", keyrelay.CaptureFilter{Query: "0004"}, 1},
		{"ByShopName", keyrelay.CaptureFilter{Query: "テスト店舗 222222"}, 3},
		{"ByShopIDText", keyrelay.CaptureFilter{Query: "222222"}, 3},
		{"ShopAndText", keyrelay.CaptureFilter{ShopID: &shop1.ShopID, Query: "App0"}, 2},
		{"PercentIsLiteral", keyrelay.CaptureFilter{Query: "%"}, 1},
		{"UnderscoreIsLiteral", keyrelay.CaptureFilter{Query: "_1"}, 1},
		{"NoMatch", keyrelay.CaptureFilter{Query: "nothing"}, 0},
		{"KeyBodyNotSearchable", keyrelay.CaptureFilter{Query: "AbCdEfGh"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, total, err := cs.FindCaptures(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if total != tc.total || len(page) != tc.total {
				t.Fatalf("got %d rows (total %d), want %d", len(page), total, tc.total)
			}
		})
	}

	t.Run("PreviousCapture", func(t *testing.T) {
		last, err := cs.FindCaptureByID(ctx, ids[6]) // shop 111111, App0
		if err != nil {
			t.Fatal(err)
		}
		prev, err := cs.PreviousCapture(ctx, last)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := prev.ID, ids[0]; got != want {
			t.Fatalf("got %d, want %d", got, want)
		}
		_, err = cs.PreviousCapture(ctx, prev)
		wantCode(t, err, keyrelay.ENOTFOUND)
	})
}

// A capture marked PairedOnly (the WebSocket's) is stored only while its
// pairing is approved, checked in its own transaction: unknown and revoked
// pairings are refused, a resend of a stored capture too, and nothing is
// written for them.
func TestCreateCapturePairedOnly(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	ps := sqlite.NewPairingService(e.db)
	cs := sqlite.NewCaptureService(e.db)
	p := &keyrelay.Pairing{Name: "Chrome", Origin: origin}
	if err := ps.CreatePairing(ctx, p, "claim-token-0123456789"); err != nil {
		t.Fatal(err)
	}
	paired := func(clientID string) *keyrelay.Capture {
		c := newCapture("123456", "App", testKey)
		c.ClientID, c.PairedOnly = clientID, true
		return c
	}
	count := func() int {
		t.Helper()
		_, total, err := cs.FindCaptures(ctx, keyrelay.CaptureFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return total
	}

	_, _, err := cs.CreateCapture(ctx, paired(p.ClientID))
	wantCode(t, err, keyrelay.EUNAUTHORIZED) // pending, not approved
	_, _, err = cs.CreateCapture(ctx, paired("c_ffffffffffffffff"))
	wantCode(t, err, keyrelay.EUNAUTHORIZED)
	if n := count(); n != 0 {
		t.Fatalf("%d captures stored for unapproved pairings", n)
	}

	if _, err := ps.ApprovePairing(ctx, p.Code); err != nil {
		t.Fatal(err)
	}
	stored := paired(p.ClientID)
	if _, created, err := cs.CreateCapture(ctx, stored); err != nil || !created {
		t.Fatalf("approved: created %v, %v", created, err)
	}

	if err := ps.RevokePairing(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = cs.CreateCapture(ctx, paired(p.ClientID))
	wantCode(t, err, keyrelay.EUNAUTHORIZED)
	resend := *stored
	resend.PairedOnly = true
	_, _, err = cs.CreateCapture(ctx, &resend)
	wantCode(t, err, keyrelay.EUNAUTHORIZED)
	if n := count(); n != 1 {
		t.Fatalf("%d captures after the revocation, want the 1 stored before it", n)
	}
}
