//go:build demo

package e2e_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"keyrelay/internal/fakes/rms"
	"keyrelay/internal/keyrelay"
)

// TestExpiringKeyOnBoardAndBadge is issue 5's browser test: visiting アプリ一覧
// with a key that expires in 2 days makes the helper's status board and the
// extension's badge say so.
func TestExpiringKeyOnBoardAndBadge(t *testing.T) {
	opts := currentOptions()
	soon := rms.DateIn(time.Now(), 2)
	opts.Apps[0].Expiry = soon
	app := opts.Apps[0].Name
	e := newEnv(t, envOptions{RMS: opts, Paired: true})

	badge := func() string { return mustSW[string](t, e.b, `chrome.action.getBadgeText({})`) }
	if b := badge(); b == "!" {
		t.Fatalf("badge already %q before any アプリ一覧 visit", b)
	}

	e.b.openTab(t, rms.AppListURL())

	eventually(t, 30*time.Second, "the extension's alerts and badge", func() (bool, string) {
		s := e.state(t)
		for _, a := range s.Alerts {
			if a.Kind == keyrelay.AlertExpiring && a.AppName == app && a.DaysLeft == 2 && badge() == "!" {
				return true, ""
			}
		}
		return false, fmt.Sprintf("alerts %+v badge %q", s.Alerts, badge())
	})
	if title := mustSW[string](t, e.b, `chrome.action.getTitle({})`); title == "" {
		t.Error("the badge has no title explaining it")
	}

	c := e.h.login(t)
	base := "http://" + e.h.addr()
	var status struct {
		Alerts []keyrelay.Alert      `json:"alerts"`
		Apps   []*keyrelay.AppStatus `json:"apps"`
	}
	body := getBody(t, c, base+"/api/status")
	if err := json.Unmarshal([]byte(body), &status); err != nil {
		t.Fatalf("/api/status: %v", err)
	}
	found := false
	for _, a := range status.Apps {
		if a.AppName == app {
			found = true
			if a.Expiry != soon {
				t.Errorf("board expiry %q, want %q", a.Expiry, soon)
			}
		}
	}
	if !found {
		t.Errorf("%s not on the status board: %+v", app, status.Apps)
	}
	alerted := false
	for _, a := range status.Alerts {
		alerted = alerted || (a.Kind == keyrelay.AlertExpiring && a.AppName == app && a.DaysLeft == 2)
	}
	if !alerted {
		t.Errorf("no 2-day expiry alert: %+v", status.Alerts)
	}

	page := getBody(t, c, base+"/")
	for _, want := range []string{app, soon, "末尾4桁: " + keyrelay.KeyLast4(rms.ShopAppKey)} {
		if !strings.Contains(page, want) {
			t.Errorf("history page lacks %q", want)
		}
	}
}

func getBody(t testing.TB, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d\n%s", u, resp.StatusCode, b)
	}
	return string(b)
}
