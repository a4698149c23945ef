package main_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
)

// TestGoQSetModeCLI runs the real binary: a shop waiting for a GoQ login is
// put in browser mode with `goq set-mode`, its delivery becomes due without
// any password, and switching a shop that had a login deletes it. Bad
// arguments get a clear refusal.
func TestGoQSetModeCLI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h := startHelper(t, t.TempDir())
	c := pairAndAuth(ctx, t, h)
	if _, err := c.Capture(ctx, testCapture("3f1c2a9e-0b1d-4c2e-8f3a-000000000011", testKey)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	h.stop(t)

	if got := h.statusByShop(t); got["123456"] != keyrelay.DeliveryWaitingLogin {
		t.Fatalf("before: %v", got)
	}
	for _, bad := range [][]string{{"goq", "set-mode", "browser"}, {"goq", "set-mode", "--shop", "123456"}, {"goq", "set-mode", "--shop", "123456", "password"}} {
		if out, err := h.cliIn(t, "", bad...); err == nil {
			t.Fatalf("%v accepted: %s", bad, out)
		}
	}
	if _, err := h.cliIn(t, "pw-of-654321\n", "goq", "set-login", "--login-id", "shop-admin", "--shop", "654321"); err != nil {
		t.Fatal(err)
	}
	out := h.cli(t, "goq", "set-mode", "--shop", "123456", "browser")
	if !strings.Contains(out, "ブラウザのGoQタブで反映") || !strings.Contains(out, "1 waiting deliveries resume") {
		t.Fatalf("set-mode: %s", out)
	}
	if got := h.statusByShop(t); got["123456"] != keyrelay.DeliveryPending {
		t.Fatalf("after set-mode browser: %v, want pending", got)
	}
	// The login's ID stays as the shop's GoQ account; the password goes.
	if out := h.cli(t, "goq", "set-mode", "--shop", "654321", "browser"); !strings.Contains(out, "GoQアカウント: shop-admin") {
		t.Fatalf("set-mode of a shop with a login: %s", out)
	}
	if list := goqListJSON(t, h); len(list.Logins) != 0 {
		t.Fatalf("the shop's login survived browser mode: %+v", list.Logins)
	}
	if out := h.cli(t, "goq", "set-mode", "--shop", "123456", "browser"); !strings.Contains(out, "GoQアカウント: 未設定") {
		t.Fatalf("set-mode of a shop without a login: %s", out)
	}
	// --account sets and changes it; a bad one, or one for helper mode, is refused.
	for _, bad := range [][]string{{"--account", "goq shop"}, {"--account", "店舗A"}} {
		if out, err := h.cliIn(t, "", append([]string{"goq", "set-mode", "--shop", "123456", "browser"}, bad...)...); err == nil {
			t.Fatalf("%v accepted: %s", bad, out)
		}
	}
	if out, err := h.cliIn(t, "", "goq", "set-mode", "--shop", "123456", "helper", "--account", "goq-a"); err == nil {
		t.Fatalf("--account with helper accepted: %s", out)
	}
	for _, a := range []string{"goq-a", "goq-a2"} {
		if out := h.cli(t, "goq", "set-mode", "--shop", "123456", "browser", "--account", a); !strings.Contains(out, "GoQアカウント: "+a+"（") {
			t.Fatalf("set-mode --account %s: %s", a, out)
		}
	}
	// goq list names browser-mode shops with their account, never as
	// shops without a login (they need none).
	list := goqListJSON(t, h)
	if len(list.Without) != 0 || len(list.Browser) != 2 || list.Browser[0].ShopKey != "id:123456" || list.Browser[0].Account != "goq-a2" ||
		list.Browser[1].Account != "shop-admin" {
		t.Fatalf("goq list --json: %+v", list)
	}
	if out := h.cli(t, "goq", "list"); !strings.Contains(out, "GoQアカウント account: goq-a2") || strings.Contains(out, "shops without a GoQ login") {
		t.Fatalf("goq list:\n%s", out)
	}
	assertNoPlaintext(t, h.dataDir, "pw-of-654321")
	if help := h.cli(t, "help", "goq"); !strings.Contains(help, "set-mode --shop SHOP browser|helper") {
		t.Fatalf("help goq does not list set-mode:\n%s", help)
	}
}

// goqList is `keyrelay goq list --json`.
type goqList struct {
	Logins  []*keyrelay.Credentials         `json:"logins"`
	Without []string                        `json:"shops_without_login"`
	Browser []*keyrelay.DeliveryModeSetting `json:"browser_mode"`
}

func goqListJSON(t *testing.T, h *helperProc) goqList {
	t.Helper()
	var l goqList
	out := h.cli(t, "goq", "list", "--json")
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("goq list --json: %v\n%s", err, out)
	}
	return l
}
