//go:build demo

package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

// TestDeliveryModeOnSettings: GoQ設定 shows each shop's delivery mode;
// switching to browser mode needs the confirmation, deletes the shop's GoQ
// login and wakes the outbox; switching back needs none.
func TestDeliveryModeOnSettings(t *testing.T) {
	var modes *sqlite.DeliveryModeService
	e := newEnv(t, func(e *env) {
		modes = sqlite.NewDeliveryModeService(e.db)
		e.srv.Modes = modes
	})
	ctx := context.Background()
	c := e.seed("GoQ System (ごくシステム)", testKey)
	shop := c.Shop.Key()
	if err := e.credentials.SetCredentials(ctx, &keyrelay.Credentials{Destination: "goq", ShopKey: shop, BaseURL: "https://order.goqsystem.com/goq21/", LoginID: "fuji-goq", Password: "pw-to-be-deleted"}); err != nil {
		t.Fatal(err)
	}
	cookie := e.login()
	page := e.do("GET", "/settings", nil, withCookies(cookie))
	if !strings.Contains(page.body, "配信方法") || !strings.Contains(page.body, "ヘルパーがログイン") {
		t.Fatalf("the settings page shows no delivery mode:\n%s", page.body)
	}
	csrf := e.csrf(cookie)
	post := func(mode string, confirm bool) response {
		f := url.Values{"csrf": {csrf}, "shop_key": {shop}, "mode": {mode}}
		if confirm {
			f.Set("confirm", "1")
		}
		return e.do("POST", "/settings/goq/mode", f, withCookies(cookie), withHeader("Origin", e.base))
	}
	if res := post(keyrelay.DeliveryModeBrowser, false); res.code != 400 || !strings.Contains(res.body, "確認のチェック") {
		t.Fatalf("browser mode without the confirmation: %d", res.code)
	}
	if _, err := e.credentials.FindCredentials(ctx, "goq", shop); err != nil {
		t.Fatalf("the refused change deleted the login: %v", err)
	}
	if res := post("password", true); res.code != 400 {
		t.Fatalf("an unknown mode: %d", res.code)
	}
	wakes := e.wakes.Load()
	if res := post(keyrelay.DeliveryModeBrowser, true); res.code != 303 {
		t.Fatalf("browser mode: %d %s", res.code, res.body)
	}
	if m, _ := modes.DeliveryMode(ctx, "goq", shop); m != keyrelay.DeliveryModeBrowser {
		t.Fatalf("mode %q", m)
	}
	if _, err := e.credentials.FindCredentials(ctx, "goq", shop); keyrelay.ErrorCode(err) != keyrelay.ENOTFOUND {
		t.Fatalf("browser mode kept the shop's GoQ login: %v", err)
	}
	if e.wakes.Load() == wakes {
		t.Error("the outbox was not woken")
	}
	if page := e.do("GET", "/settings", nil, withCookies(cookie)); !strings.Contains(page.body, `<span class="st wait">ブラウザのGoQタブで反映</span>`) {
		t.Fatal("the page does not show browser mode")
	} else if !strings.Contains(page.body, `<code class="goq-account-id">fuji-goq</code>`) {
		t.Fatal("the login's ID is not kept as the shop's GoQ account")
	} else if strings.Contains(page.body, "GoQログインが割り当てられていない店舗") || strings.Contains(page.body, "GoQログイン待ち：") {
		// A browser-mode shop needs no login; nothing waits for one.
		t.Fatalf("a browser-mode shop is shown as waiting for a GoQ login:\n%s", page.body)
	} else if !strings.Contains(page.body, "GoQのログインは設定されていません。") {
		t.Fatal("the page does not say that no login is set")
	}
	if a, _ := modes.BrowserAccount(ctx, "goq", shop); a != "fuji-goq" {
		t.Fatalf("the shop's GoQ account is %q, want the deleted login's ID", a)
	}
	if res := post(keyrelay.DeliveryModeHelper, false); res.code != 303 {
		t.Fatalf("back to helper mode: %d", res.code)
	}
	if e.auditKinds()[keyrelay.AuditSettingsSaved] < 2 {
		t.Error("mode changes are not audited")
	}
}
