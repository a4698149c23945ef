//go:build demo

package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"keyrelay/internal/goq"
	"keyrelay/internal/keyrelay"
)

type notified struct {
	mu   sync.Mutex
	list []string
}

func (n *notified) notify(_ context.Context, title, body string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.list = append(n.list, title+"\n"+body)
	return nil
}

func (n *notified) all() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.list...)
}

func withNotify(n *notified) func(*env) {
	return func(e *env) { e.srv.Notify = n.notify }
}

// A session on the history page (or a program that got one) aims GoQ at a
// loopback port of its own: the shipped build refuses, and nothing is saved.
func TestLoopbackGoQRefusedOnSettingsPage(t *testing.T) {
	if goq.LoopbackAllowed() {
		t.Skip("built with -tags demo, which allows the fake GoQ on loopback; helper/TestLoopbackGoQRefused covers the shipped binary")
	}
	n := &notified{}
	e := newEnv(t, withNotify(n))
	cookie := e.login()
	token := e.csrf(cookie)
	for _, u := range []string{"http://127.0.0.1:9/goq21/", "https://127.0.0.1:9/goq21/", "http://localhost:9/", "https://[::1]:9/"} {
		res := e.do("POST", "/settings/goq", url.Values{"csrf": {token}, "login_id": {"thief"}, "password": {"pw"}, "base_url": {u}}, withCookies(cookie))
		if res.code != http.StatusBadRequest {
			t.Errorf("base_url %s: got %d, want 400", u, res.code)
		}
	}
	cs, err := e.credentials.ListCredentials(context.Background(), "goq")
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 0 || len(n.all()) != 0 {
		t.Fatalf("a loopback GoQ was saved: %+v, notifications %q", cs, n.all())
	}
}

// Changing the GoQ login, deleting it and approving a pairing from the history
// page each show a desktop notification and leave an audit entry.
func TestChangesNotifyTheOperator(t *testing.T) {
	n := &notified{}
	e := newEnv(t, withNotify(n))
	cookie := e.login()
	token := e.csrf(cookie)
	before := e.auditKinds()

	res := e.do("POST", "/settings/goq", url.Values{"csrf": {token}, "login_id": {"fuji"}, "password": {"pw-secret"},
		"base_url": {"https://order.goqsystem.com/goq21/"}}, withCookies(cookie))
	if res.code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", res.code, res.body)
	}
	if got := n.all(); len(got) != 1 || !strings.Contains(got[0], "https://order.goqsystem.com/goq21/") || strings.Contains(got[0], "pw-secret") {
		t.Fatalf("after save, notifications %q", got)
	}
	if e.auditKinds()[keyrelay.AuditSettingsSaved] != before[keyrelay.AuditSettingsSaved]+1 {
		t.Error("saving left no audit entry")
	}

	cs, _ := e.credentials.ListCredentials(context.Background(), "goq")
	res = e.do("POST", "/settings/goq/"+strconv.FormatInt(cs[0].ID, 10)+"/delete", url.Values{"csrf": {token}, "confirm": {"yes"}}, withCookies(cookie))
	if res.code != http.StatusSeeOther || len(n.all()) != 2 {
		t.Fatalf("delete: %d, notifications %q", res.code, n.all())
	}

	p := &keyrelay.Pairing{Name: "Chrome 131 / Linux", Origin: "chrome-extension://" + keyrelay.ExtensionID}
	if err := e.pairings.CreatePairing(context.Background(), p, "claim-token-0123456789"); err != nil {
		t.Fatal(err)
	}
	res = e.do("POST", "/pairings/approve", url.Values{"csrf": {token}, "code": {p.Code}}, withCookies(cookie))
	if res.code != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", res.code, res.body)
	}
	got := n.all()
	if len(got) != 3 || !strings.Contains(got[2], "Chrome 131 / Linux") || !strings.Contains(got[2], p.Origin) {
		t.Fatalf("after approval, notifications %q", got)
	}
	if e.auditKinds()[keyrelay.AuditPairApproved] != before[keyrelay.AuditPairApproved]+1 {
		t.Error("approval left no audit entry")
	}
}

// The ペアリング page shows each pending request's browser name, origin and
// age, so the operator can tell theirs from one that something else made.
func TestPairingsPageShowsNameOriginAge(t *testing.T) {
	e := newEnv(t)
	cookie := e.login()
	p := &keyrelay.Pairing{Name: "Firefox 133 / Windows", Origin: "moz-extension://0b7a7b52-5f8c-4d1e-9a11-2f7b8f4e6c01"}
	if err := e.pairings.CreatePairing(context.Background(), p, "claim-token-0123456789"); err != nil {
		t.Fatal(err)
	}
	res := e.do("GET", "/pairings", nil, withCookies(cookie))
	for _, want := range []string{p.Code, p.Name, p.Origin, "秒前 / "} {
		if !strings.Contains(res.body, want) {
			t.Errorf("pairings page lacks %q", want)
		}
	}
}
