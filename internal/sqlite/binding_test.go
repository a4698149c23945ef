package sqlite_test

import (
	"context"
	"reflect"
	"testing"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

// setLogin saves a GoQ login for shopKey ("" = the default) and returns it.
func setLogin(t *testing.T, e *env, shopKey, loginID string) *keyrelay.Credentials {
	t.Helper()
	c := &keyrelay.Credentials{ShopKey: shopKey, Destination: "goq", BaseURL: "https://order.goqsystem.com/goq21/", LoginID: loginID, Password: "pw-" + loginID}
	if err := sqlite.NewCredentialService(e.db).SetCredentials(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

// loginOf is the login FindCredentials gives shop id, or "" when none.
func loginOf(t *testing.T, e *env, shopID string) string {
	t.Helper()
	c, err := sqlite.NewCredentialService(e.db).FindCredentials(context.Background(), "goq", keyrelay.ShopRef{ID: shopID}.Key())
	if keyrelay.ErrorCode(err) == keyrelay.ENOTFOUND {
		return ""
	} else if err != nil {
		t.Fatal(err)
	}
	return c.LoginID
}

func shopsOf(t *testing.T, e *env, id int64) []string {
	t.Helper()
	c, err := sqlite.NewCredentialService(e.db).FindCredentialsByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c.Shops
}

// TestDefaultLoginBindsToFirstShop is the bug of issue 13: with the default
// GoQ login set while one shop existed, a second shop's key was posted with
// it. Now the default login becomes the first shop's, and the second shop
// waits until the operator assigns it a login.
func TestDefaultLoginBindsToFirstShop(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	cs := sqlite.NewCredentialService(e.db)
	def := setLogin(t, e, "", "shared")

	a := mustCreate(t, e, newCapture("111111", "GoQSystem", testKey))
	wantStatus(t, deliveryOf(t, e, a.ID), keyrelay.DeliveryPending)
	b := mustCreate(t, e, newCapture("222222", "GoQSystem", testKey))
	wantStatus(t, deliveryOf(t, e, b.ID), keyrelay.DeliveryWaitingLogin)
	if got := loginOf(t, e, "111111"); got != "shared" {
		t.Fatalf("shop A's login: %q", got)
	}
	if got := loginOf(t, e, "222222"); got != "" {
		t.Fatalf("shop B got login %q, want none", got)
	}
	if got := shopsOf(t, e, def.ID); !reflect.DeepEqual(got, []string{"id:111111"}) {
		t.Fatalf("default login's shops: %v", got)
	}
	// Waking does not hand B the default login either.
	if n, err := sqlite.NewDeliveryService(e.db).WakeWaitingLogin(ctx); err != nil || n != 0 {
		t.Fatalf("woke %d (%v)", n, err)
	}
	wantStatus(t, deliveryOf(t, e, b.ID), keyrelay.DeliveryWaitingLogin)

	// The binding is stored: it survives a restart.
	e2 := openEnv(t, e.dir)
	if got := loginOf(t, e2, "222222"); got != "" {
		t.Fatalf("after reopen shop B got login %q", got)
	}
	if got := loginOf(t, e2, "111111"); got != "shared" {
		t.Fatalf("after reopen shop A's login: %q", got)
	}
	e2.db.Close()

	t.Run("AssignWakesTheShop", func(t *testing.T) {
		n, err := cs.AssignCredentials(ctx, def.ID, "id:222222", false)
		if err != nil || n != 1 {
			t.Fatalf("assign: woke %d (%v), want 1", n, err)
		}
		wantStatus(t, deliveryOf(t, e, b.ID), keyrelay.DeliveryPending)
		if got := shopsOf(t, e, def.ID); !reflect.DeepEqual(got, []string{"id:111111", "id:222222"}) {
			t.Fatalf("shops: %v", got)
		}
	})
	t.Run("Move", func(t *testing.T) {
		own := setLogin(t, e, "id:333333", "own")
		if _, err := cs.AssignCredentials(ctx, own.ID, "id:222222", true); err != nil {
			t.Fatal(err)
		}
		// 222222 moved to "own" and "own" is only 222222's now.
		if got := loginOf(t, e, "222222"); got != "own" {
			t.Fatalf("222222's login: %q", got)
		}
		if got := loginOf(t, e, "333333"); got != "" {
			t.Fatalf("333333 kept login %q after the move", got)
		}
		if got := shopsOf(t, e, def.ID); !reflect.DeepEqual(got, []string{"id:111111"}) {
			t.Fatalf("default's shops: %v", got)
		}
	})
	t.Run("UnassignNeverDrifts", func(t *testing.T) {
		if err := cs.UnassignCredentials(ctx, def.ID, "id:111111"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, cs.UnassignCredentials(ctx, def.ID, "id:111111"), keyrelay.ENOTFOUND)
		// The default login is bound to nothing now, but it was the
		// operator who unbound it: a new shop does not take it.
		c := mustCreate(t, e, newCapture("444444", "GoQSystem", testKey))
		wantStatus(t, deliveryOf(t, e, c.ID), keyrelay.DeliveryWaitingLogin)
		again := mustCreate(t, e, newCapture("111111", "GoQSystem", "SL123456_ZyXwVuTs98765432"))
		wantStatus(t, deliveryOf(t, e, again.ID), keyrelay.DeliveryWaitingLogin)
	})
	t.Run("Invalid", func(t *testing.T) {
		_, err := cs.AssignCredentials(ctx, def.ID, "", false)
		wantCode(t, err, keyrelay.EINVALID)
		_, err = cs.AssignCredentials(ctx, def.ID, "unknown", false)
		wantCode(t, err, keyrelay.EINVALID)
		_, err = cs.AssignCredentials(ctx, 9999, "id:111111", false)
		wantCode(t, err, keyrelay.ENOTFOUND)
	})
}

// TestDefaultLoginSetAfterCaptures: captures of two shops wait; saving the
// default login then gives it to the shop whose delivery is oldest, only.
func TestDefaultLoginSetAfterCaptures(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	a := mustCreate(t, e, newCapture("111111", "GoQSystem", testKey))
	b := mustCreate(t, e, newCapture("222222", "GoQSystem", testKey))
	setLogin(t, e, "", "shared")
	n, err := sqlite.NewDeliveryService(e.db).WakeWaitingLogin(ctx)
	if err != nil || n != 1 {
		t.Fatalf("woke %d (%v), want 1", n, err)
	}
	wantStatus(t, deliveryOf(t, e, a.ID), keyrelay.DeliveryPending)
	wantStatus(t, deliveryOf(t, e, b.ID), keyrelay.DeliveryWaitingLogin)
}

// TestNamedLoginTakesItsShop: a login saved for a named shop is that shop's,
// also when the default login had been bound to it.
func TestNamedLoginTakesItsShop(t *testing.T) {
	e := newEnv(t)
	def := setLogin(t, e, "", "shared")
	mustCreate(t, e, newCapture("111111", "GoQSystem", testKey))
	setLogin(t, e, "id:111111", "named")
	if got := loginOf(t, e, "111111"); got != "named" {
		t.Fatalf("got %q", got)
	}
	if got := shopsOf(t, e, def.ID); len(got) != 0 {
		t.Fatalf("default kept %v", got)
	}
}

// TestUnknownShopNeverBound: a capture that names no shop could be any
// shop's; the default login is not bound to it.
func TestUnknownShopNeverBound(t *testing.T) {
	e := newEnv(t)
	def := setLogin(t, e, "", "shared")
	c := newCapture("", "GoQSystem", testKey)
	c.Shop = keyrelay.ShopRef{}
	got, created, err := sqlite.NewCaptureService(e.db).CreateCapture(context.Background(), c)
	if err != nil || !created {
		t.Skipf("a capture without a shop is refused earlier (%v)", err)
	}
	wantStatus(t, deliveryOf(t, e, got.ID), keyrelay.DeliveryWaitingLogin)
	if s := shopsOf(t, e, def.ID); len(s) != 0 {
		t.Fatalf("bound to %v", s)
	}
}

// TestDeleteLoginUnbindsShops: a deleted login's shops wait again.
func TestDeleteLoginUnbindsShops(t *testing.T) {
	e := newEnv(t)
	c := setLogin(t, e, "id:111111", "named")
	if err := sqlite.NewCredentialService(e.db).DeleteCredentials(context.Background(), c.ID); err != nil {
		t.Fatal(err)
	}
	if got := loginOf(t, e, "111111"); got != "" {
		t.Fatalf("got %q", got)
	}
	// A login saved again for the shop is bound afresh.
	setLogin(t, e, "id:111111", "again")
	if got := loginOf(t, e, "111111"); got != "again" {
		t.Fatalf("got %q", got)
	}
}

// TestSettingsPathStored: the GoQ page path is stored with the login and
// checked before it is.
func TestSettingsPathStored(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	cs := sqlite.NewCredentialService(e.db)
	c := &keyrelay.Credentials{ShopKey: "id:111111", Destination: "goq", LoginID: "a", Password: "p", SettingsPath: "setting/v2/webapi"}
	if err := cs.SetCredentials(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := cs.FindCredentials(ctx, "goq", "id:111111")
	if err != nil || got.SettingsPath != "setting/v2/webapi" {
		t.Fatalf("got %+v (%v)", got, err)
	}
	for _, bad := range []string{"../admin", "https://evil.example/x", "/goq21/x"} {
		wantCode(t, cs.SetCredentials(ctx, &keyrelay.Credentials{ShopKey: "id:111111", Destination: "goq", LoginID: "a", SettingsPath: bad}), keyrelay.EINVALID)
	}
}

// TestAttemptRecordsLoginAndQuote: the login that received the key and
// GoQ's own words are kept on the attempt and on the delivery.
func TestAttemptRecordsLoginAndQuote(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	login := setLogin(t, e, "id:111111", "fuji-goq")
	c := mustCreate(t, e, newCapture("111111", "GoQSystem", testKey))
	ds := sqlite.NewDeliveryService(e.db)
	claimed, err := ds.ClaimDue(ctx, t0, 60e9, 1)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	const quote = "ライセンスキーの形式が正しくありません。"
	if _, err := ds.RecordAttempt(ctx, claimed[0].ID, &keyrelay.DeliveryAttempt{
		Result: keyrelay.DeliveryNeedsAttention, Error: "GoQが拒否しました", ErrorEn: "GoQ refused",
		Quote: quote, CredentialsID: login.ID, LoginID: "fuji-goq",
	}, t0); err != nil {
		t.Fatal(err)
	}
	d := deliveryOf(t, e, c.ID)
	if d.Quote != quote || d.LoginID != "fuji-goq" || d.CredentialsID != login.ID {
		t.Fatalf("delivery: %+v", d)
	}
	as, err := ds.FindAttempts(ctx, d.ID)
	if err != nil || len(as) != 1 || as[0].Quote != quote || as[0].LoginID != "fuji-goq" || as[0].CredentialsID != login.ID {
		t.Fatalf("attempts: %+v (%v)", as, err)
	}
}
