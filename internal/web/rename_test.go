//go:build demo

package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"keyrelay/internal/keyrelay"
)

// TestRenamePairing: the ペアリング page renames a browser; a bad name is
// refused with a reason; the audit log says so in the UI language.
func TestRenamePairing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := &keyrelay.Pairing{ClientID: "c_rename", Name: "Chrome 156 / Linux（2026/11/30 10:00 ペアリング）", Origin: keyrelay.PinnedOrigin}
	if err := e.pairings.CreatePairing(ctx, p, "claim-token-0123456789abcdef"); err != nil {
		t.Fatal(err)
	}
	ps, _ := e.pairings.FindPairings(ctx, keyrelay.PairingFilter{ClientID: "c_rename"})
	ap, err := e.pairings.ApprovePairing(ctx, ps[0].Code)
	if err != nil {
		t.Fatal(err)
	}
	cookie := e.login()
	path := fmt.Sprintf("/pairings/%d/rename", ap.ID)

	for _, bad := range []string{"", "   ", strings.Repeat("名", keyrelay.MaxPairingName+1), "a\x07b"} {
		res := e.do("POST", path, url.Values{"csrf": {e.csrf(cookie)}, "name": {bad}}, withCookies(cookie))
		if res.code != http.StatusBadRequest {
			t.Errorf("name %q: status %d, want 400", bad, res.code)
		}
	}
	res := e.do("POST", path, url.Values{"csrf": {e.csrf(cookie)}, "name": {"  店舗A担当のPC  "}}, withCookies(cookie))
	if res.code != http.StatusSeeOther {
		t.Fatalf("rename: %d %s", res.code, res.body)
	}
	got, _ := e.pairings.FindPairings(ctx, keyrelay.PairingFilter{ClientID: "c_rename"})
	if got[0].Name != "店舗A担当のPC" {
		t.Errorf("name %q", got[0].Name)
	}
	if page := e.do("GET", "/pairings", nil, withCookies(cookie)); !strings.Contains(page.body, "店舗A担当のPC") {
		t.Error("the pairings page does not show the new name")
	}
	if page := e.do("GET", "/audit", nil, withCookies(cookie)); !strings.Contains(page.body, "ペアリング名変更") {
		t.Error("the audit log does not name the event in Japanese")
	}
}
