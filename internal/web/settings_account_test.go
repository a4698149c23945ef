//go:build demo

package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

// TestGoQAccountOnSettings: GoQ設定 shows a browser-mode shop's GoQ account
// (kept from its login when it switched); a shop without one whose delivery
// waits because the GoQ tab showed an account is asked 「GoQアカウント X に
// このショップのキーを反映しますか？」; the confirmation pins it (CSRF-checked,
// only when none is set) and wakes the outbox; the typed form sets and
// changes it, and refuses what is not a login ID.
func TestGoQAccountOnSettings(t *testing.T) {
	var modes *sqlite.DeliveryModeService
	e := newEnv(t, func(e *env) {
		modes = sqlite.NewDeliveryModeService(e.db)
		e.srv.Modes = modes
	})
	ctx := context.Background()
	c := e.seed("GoQ System (ごくシステム)", testKey)
	shop := c.Shop.Key()
	if _, err := modes.SetDeliveryMode(ctx, "goq", shop, keyrelay.DeliveryModeBrowser); err != nil {
		t.Fatal(err)
	}
	// The shop's delivery waits: the GoQ tab showed goq-seen and the shop
	// has no account yet.
	ds, err := e.deliveries.ClaimDue(ctx, time.Now().Add(time.Minute), time.Minute, 4)
	if err != nil || len(ds) != 1 {
		t.Fatalf("claim: %v, %d", err, len(ds))
	}
	if _, err := e.deliveries.RecordAttempt(ctx, ds[0].ID, &keyrelay.DeliveryAttempt{Result: keyrelay.DeliveryWaitingAccount,
		Error: "GoQアカウント goq-seen に…", LoginID: "goq-seen", StartedAt: time.Now(), FinishedAt: time.Now()}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	cookie := e.login()
	// The history list says what to do, and does not label the account the
	// tab was in as the shop's GoQ login.
	if home := e.do("GET", "/", nil, withCookies(cookie)); !strings.Contains(home.body, `<small class="reason">GoQアカウント goq-seen に…</small>`) ||
		strings.Contains(home.body, "GoQログインID: goq-seen") {
		t.Fatalf("the history list does not show why the delivery waits:\n%s", home.body)
	}
	page := e.do("GET", "/settings", nil, withCookies(cookie))
	if !strings.Contains(page.body, "GoQアカウント goq-seen にこのショップのキーを反映しますか？") || !strings.Contains(page.body, "GoQアカウント（ログインID）: <span class=\"st wait\">未設定</span>") {
		t.Fatalf("the page does not ask to confirm the account:\n%s", page.body)
	}
	csrf := e.csrf(cookie)
	post := func(f url.Values, opts ...reqOpt) response {
		return e.do("POST", "/settings/goq/account", f, append([]reqOpt{withCookies(cookie), withHeader("Origin", e.base)}, opts...)...)
	}
	// Without the CSRF token: refused, nothing set.
	if res := post(url.Values{"shop_key": {shop}, "account": {"goq-seen"}, "confirm": {"1"}}); res.code != 403 {
		t.Fatalf("without CSRF: %d", res.code)
	}
	if a, _ := modes.BrowserAccount(ctx, "goq", shop); a != "" {
		t.Fatalf("set without CSRF: %q", a)
	}
	wakes := e.wakes.Load()
	if res := post(url.Values{"csrf": {csrf}, "shop_key": {shop}, "account": {"goq-seen"}, "confirm": {"1"}}); res.code != 303 {
		t.Fatalf("confirm: %d %s", res.code, res.body)
	}
	if a, _ := modes.BrowserAccount(ctx, "goq", shop); a != "goq-seen" {
		t.Fatalf("after the confirmation: %q", a)
	}
	if d, _ := e.deliveries.FindDeliveryByID(ctx, ds[0].ID); d.Status != keyrelay.DeliveryPending {
		t.Fatalf("the waiting delivery is %s, want pending", d.Status)
	}
	if e.wakes.Load() == wakes {
		t.Error("the outbox was not woken")
	}
	// A second confirmation never replaces it.
	if res := post(url.Values{"csrf": {csrf}, "shop_key": {shop}, "account": {"goq-other"}, "confirm": {"1"}}); res.code != 400 || !strings.Contains(res.body, "既に「goq-seen」に設定されています") {
		t.Fatalf("second confirmation: %d", res.code)
	}
	page = e.do("GET", "/settings", nil, withCookies(cookie))
	if !strings.Contains(page.body, `<code class="goq-account-id">goq-seen</code>`) || strings.Contains(page.body, "にこのショップのキーを反映しますか") {
		t.Fatal("the page does not show the pinned account")
	}
	// Typed: changes it; not a login ID: refused.
	if res := post(url.Values{"csrf": {csrf}, "shop_key": {shop}, "account": {"goq shop"}}); res.code != 400 || !strings.Contains(res.body, "使えない文字") {
		t.Fatalf("a bad account: %d", res.code)
	}
	if res := post(url.Values{"csrf": {csrf}, "shop_key": {shop}, "account": {"goq-typed"}}); res.code != 303 {
		t.Fatalf("typed: %d", res.code)
	}
	if a, _ := modes.BrowserAccount(ctx, "goq", shop); a != "goq-typed" {
		t.Fatalf("after typing: %q", a)
	}
	if res := post(url.Values{"csrf": {csrf}, "shop_key": {"id:999"}, "account": {"goq-typed"}}); res.code != 400 {
		t.Fatalf("an unknown shop: %d", res.code)
	}
	if e.auditKinds()[keyrelay.AuditSettingsSaved] < 2 {
		t.Error("account changes are not audited")
	}
}
