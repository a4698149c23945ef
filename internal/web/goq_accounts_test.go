//go:build demo

package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
)

// rejectDelivery records a needs_attention attempt for capture c's delivery
// as the outbox does when GoQ refuses the key, with GoQ's words and login.
func (e *env) rejectDelivery(c *keyrelay.Capture, loginID, quote string) *keyrelay.Delivery {
	e.t.Helper()
	ctx := context.Background()
	claimed, err := e.deliveries.ClaimDue(ctx, time.Now().Add(time.Minute), time.Minute, 10)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, d := range claimed {
		if d.CaptureID != c.ID {
			continue
		}
		creds, err := e.credentials.FindCredentials(ctx, "goq", c.Shop.Key())
		if err != nil {
			e.t.Fatal(err)
		}
		stored, err := e.deliveries.RecordAttempt(ctx, d.ID, &keyrelay.DeliveryAttempt{
			Result: keyrelay.DeliveryNeedsAttention,
			Error:  "GoQSystemがライセンスキーを受け付けませんでした。", ErrorEn: "GoQSystem refused the license key.",
			Quote: quote, CredentialsID: creds.ID, LoginID: loginID,
		}, time.Time{})
		if err != nil {
			e.t.Fatal(err)
		}
		return stored
	}
	e.t.Fatalf("capture %d's delivery was not due", c.ID)
	return nil
}

// TestGoQQuoteAndLoginShown: what GoQ said when it refused a key is shown
// verbatim and marked as GoQ's (GoQの表示:「…」), escaped, with the GoQ login
// that got the key, in the list, the detail page and the CSV.
func TestGoQQuoteAndLoginShown(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.credentials.SetCredentials(ctx, &keyrelay.Credentials{Destination: "goq", BaseURL: "https://order.goqsystem.com/goq21/", LoginID: "fuji-goq", Password: "pw-never-shown"}); err != nil {
		t.Fatal(err)
	}
	c := e.seed("GoQ System (ごくシステム)", testKey)
	const quote = `ライセンスキーの形式が正しくありません <b>E-17</b> & "再入力"`
	e.rejectDelivery(c, "fuji-goq", quote)
	escaped := `ライセンスキーの形式が正しくありません &lt;b&gt;E-17&lt;/b&gt; &amp; &#34;再入力&#34;`
	cookie := e.login()

	home := e.do("GET", "/", nil, withCookies(cookie))
	for _, want := range []string{"要対応", "GoQログインID: fuji-goq", "GoQの表示:「" + escaped + "」"} {
		if !strings.Contains(home.body, want) {
			t.Errorf("history list lacks %q", want)
		}
	}
	if strings.Contains(home.body, "<b>E-17</b>") {
		t.Error("GoQ's words are rendered as markup")
	}
	detail := e.do("GET", "/captures/"+strconv.FormatInt(c.ID, 10), nil, withCookies(cookie))
	for _, want := range []string{"GoQログインID: <strong>fuji-goq</strong>", "GoQの表示:「" + escaped + "」", "GoQSystemがライセンスキーを受け付けませんでした。"} {
		if !strings.Contains(detail.body, want) {
			t.Errorf("detail page lacks %q", want)
		}
	}
	en := e.do("GET", "/captures/"+strconv.FormatInt(c.ID, 10), nil, withCookies(cookie, &http.Cookie{Name: "lang", Value: "en"}))
	if !strings.Contains(en.body, "GoQ said:「"+escaped+"」") {
		t.Error("the English page does not mark GoQ's words")
	}

	res := e.do("GET", "/captures.csv", nil, withCookies(cookie))
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range records[0] {
		col[h] = i
	}
	li, ok1 := col["GoQログインID"]
	qi, ok2 := col["GoQの表示（原文）"]
	if !ok1 || !ok2 {
		t.Fatalf("CSV header lacks the GoQ columns: %v", records[0])
	}
	if got := records[1][li]; got != "fuji-goq" {
		t.Errorf("CSV login: %q", got)
	}
	if got := records[1][qi]; got != quote {
		t.Errorf("CSV quote: %q, want %q verbatim", got, quote)
	}
}

// TestAssignShopOnSettings: with one default login and two shops, the
// second shop waits and is listed as without a login; assigning it needs
// the confirmation, then wakes its delivery; unassigning takes it back.
func TestAssignShopOnSettings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.credentials.SetCredentials(ctx, &keyrelay.Credentials{Destination: "goq", BaseURL: "https://order.goqsystem.com/goq21/", LoginID: "fuji-goq", Password: "pw-never-shown"}); err != nil {
		t.Fatal(err)
	}
	e.seed("GoQ System (ごくシステム)", testKey) // shop 123456 takes the default login
	other := e.seedWith("GoQ System (ごくシステム)", "SL654321_Zx9cVb8nM7lK6jH5", func(c *keyrelay.Capture) {
		c.Shop = keyrelay.ShopRef{ID: "654321", Name: "別のお店"}
	})
	statusOf := func() string {
		t.Helper()
		ds, err := e.deliveries.FindDeliveries(ctx, keyrelay.DeliveryFilter{CaptureID: other.ID})
		if err != nil || len(ds) != 1 {
			t.Fatalf("deliveries: %v %v", ds, err)
		}
		return ds[0].Status
	}
	if got := statusOf(); got != keyrelay.DeliveryWaitingLogin {
		t.Fatalf("other shop: %s, want waiting_login", got)
	}
	cookie := e.login()
	home := e.do("GET", "/", nil, withCookies(cookie))
	if !strings.Contains(home.body, "GoQログイン待ち：") {
		t.Error("home does not say a shop waits for a GoQ login")
	}
	page := e.do("GET", "/settings", nil, withCookies(cookie))
	if !strings.Contains(page.body, "GoQログインが割り当てられていない店舗") || !strings.Contains(page.body, "<li>別のお店</li>") {
		t.Error("settings page does not list the shop without a login")
	}
	creds, err := e.credentials.ListCredentials(ctx, "goq")
	if err != nil || len(creds) != 1 {
		t.Fatalf("creds: %v %v", creds, err)
	}
	id := creds[0].ID
	assign := func(form url.Values) response {
		form.Set("csrf", e.csrf(cookie))
		return e.do("POST", fmt.Sprintf("/settings/goq/%d/assign", id), form, withCookies(cookie))
	}
	if res := assign(url.Values{"shop_key": {"id:654321"}}); res.code != http.StatusBadRequest || !strings.Contains(res.body, "確認のチェック") {
		t.Fatalf("assign without confirmation: %d", res.code)
	}
	if res := assign(url.Values{"shop_key": {"id:999999"}, "confirm": {"1"}}); res.code != http.StatusBadRequest {
		t.Fatalf("assign to an unknown shop: %d", res.code)
	}
	if got := statusOf(); got != keyrelay.DeliveryWaitingLogin {
		t.Fatalf("refused assignments changed the delivery: %s", got)
	}
	wakes := e.wakes.Load()
	if res := assign(url.Values{"shop_key": {"id:654321"}, "confirm": {"1"}}); res.code != http.StatusSeeOther {
		t.Fatalf("assign: %d %s", res.code, res.body)
	}
	if got := statusOf(); got != keyrelay.DeliveryPending {
		t.Fatalf("after assign: %s, want pending", got)
	}
	if e.wakes.Load() == wakes {
		t.Error("assigning did not wake the outbox")
	}
	got, err := e.credentials.FindCredentials(ctx, "goq", "id:654321")
	if err != nil || got.ID != id {
		t.Fatalf("shop 654321's login: %v %v", got, err)
	}
	page = e.do("GET", "/settings", nil, withCookies(cookie))
	if strings.Contains(page.body, "GoQログインが割り当てられていない店舗") {
		t.Error("settings page still lists a shop without a login")
	}
	res := e.do("POST", fmt.Sprintf("/settings/goq/%d/unassign", id), url.Values{"csrf": {e.csrf(cookie)}, "shop_key": {"id:654321"}}, withCookies(cookie))
	if res.code != http.StatusSeeOther {
		t.Fatalf("unassign: %d", res.code)
	}
	if _, err := e.credentials.FindCredentials(ctx, "goq", "id:654321"); keyrelay.ErrorCode(err) != keyrelay.ENOTFOUND {
		t.Fatalf("after unassign: %v", err)
	}
	if n := e.auditKinds()[keyrelay.AuditSettingsSaved]; n != 2 {
		t.Errorf("%d settings audits, want 2 (assign, unassign)", n)
	}
}

// TestSettingsPathOnSettings: the GoQ page path is saved from the form and
// checked: a path that leaves the GoQ URL is refused with a reason.
func TestSettingsPathOnSettings(t *testing.T) {
	e := newEnv(t)
	cookie := e.login()
	save := func(path string) response {
		return e.do("POST", "/settings/goq", url.Values{
			"csrf": {e.csrf(cookie)}, "shop_key": {""}, "login_id": {"fuji-goq"}, "password": {"pw-x"},
			"base_url": {"https://order.goqsystem.com/goq21/"}, "settings_path": {path},
		}, withCookies(cookie))
	}
	for _, bad := range []string{"../admin", "https://evil.example/webapi", "/goq21/webapi"} {
		res := save(bad)
		if res.code != http.StatusBadRequest || !strings.Contains(res.body, "GoQの画面パス") {
			t.Errorf("%q: %d", bad, res.code)
		}
	}
	if res := save("setting/v2/mall/rakuten/webapi"); res.code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", res.code, res.body)
	}
	creds, err := e.credentials.ListCredentials(context.Background(), "goq")
	if err != nil || len(creds) != 1 || creds[0].SettingsPath != "setting/v2/mall/rakuten/webapi" {
		t.Fatalf("stored: %+v %v", creds, err)
	}
	page := e.do("GET", "/settings", nil, withCookies(cookie))
	if !strings.Contains(page.body, "setting/v2/mall/rakuten/webapi") {
		t.Error("settings page does not show the path")
	}
	edit := e.do("GET", fmt.Sprintf("/settings?edit=%d", creds[0].ID), nil, withCookies(cookie))
	if !strings.Contains(edit.body, `name="settings_path" value="setting/v2/mall/rakuten/webapi"`) || !strings.Contains(edit.body, `name="login_id" value="fuji-goq"`) {
		t.Error("the edit form is not filled with the saved login")
	}
	if strings.Contains(edit.body, "pw-x") {
		t.Error("the edit form shows the password")
	}
	// Changing only the path keeps the password.
	res := e.do("POST", "/settings/goq", url.Values{
		"csrf": {e.csrf(cookie)}, "shop_key": {""}, "login_id": {"fuji-goq"}, "password": {""},
		"base_url": {"https://order.goqsystem.com/goq21/"}, "settings_path": {"setting/v3/webapi"},
	}, withCookies(cookie))
	if res.code != http.StatusSeeOther {
		t.Fatalf("path-only save: %d %s", res.code, res.body)
	}
	got, err := e.credentials.FindCredentialsByID(context.Background(), creds[0].ID)
	if err != nil || got.SettingsPath != "setting/v3/webapi" || got.Password != "pw-x" {
		t.Fatalf("after a path-only save: path %q, password kept %v (%v)", got.SettingsPath, got.Password == "pw-x", err)
	}
}
