//go:build demo

package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"keyrelay/internal/fakes/rms"
	"keyrelay/internal/keyrelay"
)

// stateRows is internal/keyrelay/testdata/states.json: the table every
// surface shows (docs/STATES.md).
type stateRow struct {
	ID      string            `json:"id"`
	Badge   string            `json:"badge"`
	Popup   map[string]string `json:"popup"`
	Options map[string]string `json:"options"`
}

func loadStateRows(t testing.TB) map[string]stateRow {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "internal", "keyrelay", "testdata", "states.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		States []stateRow `json:"states"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	out := map[string]stateRow{}
	for _, r := range v.States {
		out[r.ID] = r
	}
	return out
}

// popupPage is the real popup.html, opened in a tab, aimed at tabID.
type popupPage struct {
	e       *env
	tab     *tab
	options *tab // the options page, when opened: its line is checked too
	rows    map[string]stateRow
}

func (e *env) openPopup(t testing.TB, aim *tab) *popupPage {
	t.Helper()
	u := "chrome-extension://" + keyrelay.ExtensionID + "/extension/popup.html"
	if aim != nil {
		u += "?tab=" + strconv.FormatInt(aim.id, 10)
	}
	return &popupPage{e: e, tab: e.b.openTab(t, u), rows: loadStateRows(t)}
}

// lang is the popup's language (the browser's UI language picks it).
func (p *popupPage) lang(t testing.TB) string {
	return tabEval[string](t, p.tab, `document.documentElement.lang`)
}

func (p *popupPage) text(t testing.TB) string {
	return tabEval[string](t, p.tab, `document.body.innerText`)
}

type badgeState struct {
	Text  string `json:"text"`
	Title string `json:"title"`
}

func (e *env) badge(t testing.TB) badgeState {
	return mustSW[badgeState](t, e.b, `keyrelayBadge()`)
}

// expect waits until the popup shows row id's line (with vars filled) and
// the badge is the row's.
func (p *popupPage) expect(t testing.TB, id string, vars map[string]string) {
	t.Helper()
	row, ok := p.rows[id]
	if !ok {
		t.Fatalf("no state %q in states.json", id)
	}
	lang := p.lang(t)
	fill := func(s string) string {
		for k, v := range vars {
			s = strings.ReplaceAll(s, "{"+k+"}", v)
		}
		return s
	}
	line, optLine := fill(row.Popup[lang]), fill(row.Options[lang])
	if line == "" {
		t.Fatalf("popup language %q", lang)
	}
	eventually(t, 30*time.Second, "state "+id+": popup line and badge "+strconv.Quote(row.Badge), func() (bool, string) {
		text, b := p.text(t), p.e.badge(t)
		opt := ""
		if p.options != nil && optLine != "" {
			opt = tabEval[string](t, p.options, `document.body.innerText`)
			if !strings.Contains(opt, optLine) {
				return false, fmt.Sprintf("want options line %q; options page:\n%s", optLine, opt)
			}
		}
		return strings.Contains(text, line) && b.Text == row.Badge,
			fmt.Sprintf("want line %q, badge %q; badge %+v, popup:\n%s", line, row.Badge, b, text)
	})
	p.screenshot(t, id)
}

// screenshot saves the popup when KEYRELAY_SCREENSHOTS names a directory.
func (p *popupPage) screenshot(t testing.TB, name string) {
	dir := os.Getenv("KEYRELAY_SCREENSHOTS")
	if dir == "" {
		return
	}
	p.tab.do(t, "viewport", chromedp.EmulateViewport(380, 640))
	ctx, cancel := context.WithTimeout(p.tab.ctx, extTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Error(err)
	}
}

// fakeHello is a server on the port that is not a working keyrelay: hello
// answers what the test wants, and nothing else is served.
func fakeHello(t testing.TB, hello func(w http.ResponseWriter, r *http.Request)) int {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/hello" && hello != nil {
			hello(w, r)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	port, _ := strconv.Atoi(srv.URL[strings.LastIndex(srv.URL, ":")+1:])
	return port
}

// TestPopupShowsEachState walks one browser through every row of
// docs/STATES.md and checks the visible popup text and the badge at each.
func TestPopupShowsEachState(t *testing.T) {
	e := newEnv(t, envOptions{RMS: currentOptions(), NoHelperStart: true})
	// Not expiring soon: the alert row comes later, on purpose.
	e.fake.SetExpiry(rms.GoQApp, rms.DateIn(time.Now(), 60))
	rmsTab := e.b.openTab(t, rms.DetailURL(rms.GoQApp))
	p := e.openPopup(t, rmsTab)
	p.options = e.b.openTab(t, "chrome-extension://"+keyrelay.ExtensionID+"/extension/options.html")
	port := strconv.Itoa(e.h.port)

	must(t, t.Run("helper_unreachable", func(t *testing.T) {
		// Also the first screen: it says to pin the button.
		p.expect(t, keyrelay.StateHelperUnreachable, map[string]string{"start": "keyrelay run", "port": port})
		if pin := map[string]string{"ja": "ピン", "en": "pin keyrelay"}[p.lang(t)]; !strings.Contains(p.text(t), pin) {
			t.Error("the first screen does not say to pin the button")
		}
	}))
	must(t, t.Run("port_other", func(t *testing.T) {
		other := fakeHello(t, nil)
		mustSW[any](t, e.b, fmt.Sprintf(`keyrelaySetPort(%d)`, other))
		p.expect(t, keyrelay.StatePortOther, map[string]string{"port": strconv.Itoa(other)})
	}))
	must(t, t.Run("version_mismatch", func(t *testing.T) {
		newer := fakeHello(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Access-Control-Allow-Origin", keyrelay.PinnedOrigin)
			w.Header().Set("Access-Control-Allow-Private-Network", "true")
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"app":"keyrelay","version":"9.0.0","protocol":2,"origin_allowed":true}`)
		})
		mustSW[any](t, e.b, fmt.Sprintf(`keyrelaySetPort(%d)`, newer))
		p.expect(t, keyrelay.StateVersionMismatch, map[string]string{"version": "9.0.0", "protocol": "2", "want": "1"})
	}))
	must(t, t.Run("origin_refused", func(t *testing.T) {
		// What the real helper answers an extension it refuses
		// (internal/web TestHelloCORS).
		refusing := fakeHello(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"app":"keyrelay","version":%q,"protocol":1,"origin":%q,"origin_allowed":false}`, keyrelay.Version, r.Header.Get("Origin"))
		})
		mustSW[any](t, e.b, fmt.Sprintf(`keyrelaySetPort(%d)`, refusing))
		p.expect(t, keyrelay.StateOriginRefused, map[string]string{"origin": keyrelay.PinnedOrigin})
	}))

	e.h.start(t)
	mustSW[any](t, e.b, fmt.Sprintf(`keyrelaySetPort(%d)`, e.h.port))
	must(t, t.Run("pairing_pending", func(t *testing.T) {
		var code string
		eventually(t, 20*time.Second, "a pairing code", func() (bool, string) {
			code = e.state(t).PairingCode
			return pairingCode.MatchString(code), code
		})
		p.expect(t, keyrelay.StatePairingPending, map[string]string{"code": code})
		if strings.Contains(p.text(t), "起動していません") || strings.Contains(p.text(t), "not running") {
			t.Error("a stale 'not running' stays up next to the pairing code")
		}
		e.h.cli(t, "pair", "approve", code)
	}))
	must(t, t.Run("connected", func(t *testing.T) {
		p.expect(t, keyrelay.StateConnected, nil)
		// The real extension reads the real helper's hello through CORS.
		if got := mustSW[string](t, e.b, fmt.Sprintf(`keyrelay.probe.probe(%s).then(r => r.cause)`, port)); got != "ok" {
			t.Errorf("probe of the real helper = %q, want ok", got)
		}
	}))

	e.h.stop(t)
	rmsTab.revealAsOperator(t)
	var captureID string
	must(t, t.Run("queued", func(t *testing.T) {
		eventually(t, 30*time.Second, "the extension notices the helper is gone", func() (bool, string) {
			s := e.state(t)
			return s.Connection != "authenticated", s.Connection
		})
		got := e.capture(t, rmsTab)
		if got.Status != "queued" {
			t.Fatalf("capture = %+v, want queued", got)
		}
		captureID = got.CaptureID
		p.expect(t, keyrelay.StateQueued, nil)
		if text := p.text(t); !strings.Contains(text, "サンプル店（123456） · ") {
			t.Errorf("the capture row does not name the shop:\n%s", text)
		}
	}))
	e.h.start(t)
	must(t, t.Run("waiting_login", func(t *testing.T) {
		// Real: no GoQ login is set, so the helper holds the key.
		p.expect(t, keyrelay.StateWaitingLogin, nil)
		if strings.Contains(p.text(t), "保存済み") || strings.Contains(p.text(t), "Saved") {
			t.Error("waiting for a GoQ login reads as saved")
		}
	}))
	push := func(t *testing.T, status, quote string) {
		t.Helper()
		mustSW[any](t, e.b, fmt.Sprintf(`keyrelayPush({v:1,type:'delivery',capture_id:%q,destination:'goq',status:%q,detail:'',detail_en:'',quote:%q,at:new Date().toISOString()})`,
			captureID, status, quote))
	}
	// The other delivery states through the push handler, as the helper
	// sends them (internal/ws TestDeliveryPush covers the sending).
	for _, tc := range []struct{ state, status string }{
		{keyrelay.StateStored, ""}, {keyrelay.StateInProgress, "in_progress"}, {keyrelay.StateDelivered, "delivered"},
		{keyrelay.StateAlreadyCurrent, "already_current"}, {keyrelay.StateSuperseded, "superseded"},
		{keyrelay.StateWaitingBrowser, "waiting_browser"}, {keyrelay.StateWaitingAccount, "waiting_account"},
	} {
		must(t, t.Run(tc.state, func(t *testing.T) {
			push(t, tc.status, "")
			p.expect(t, tc.state, nil)
		}))
	}
	must(t, t.Run("needs_attention", func(t *testing.T) {
		// GoQ's words, verbatim, marked as GoQ's, and text: markup in
		// them stays characters, never elements.
		const said = `<b id="injected">E-17</b> ライセンスキーの形式が正しくありません`
		push(t, "needs_attention", said)
		prefix := map[string]string{"ja": "GoQの表示:", "en": "GoQ said:"}[p.lang(t)]
		p.expect(t, keyrelay.StateNeedsAttention, map[string]string{"quote": prefix + "「" + said + "」 "})
		if n := tabEval[int](t, p.tab, `document.querySelectorAll('#injected').length`); n != 0 {
			t.Fatal("GoQ's message was rendered as markup in the popup")
		}
		push(t, "delivered", "")
		p.expect(t, keyrelay.StateDelivered, nil)
	}))
	must(t, t.Run("alert", func(t *testing.T) {
		// Real: アプリ一覧 with a key expiring in 2 days.
		e.fake.SetExpiry(rms.GoQApp, rms.DateIn(time.Now(), 2))
		e.b.openTab(t, rms.AppListURL())
		eventually(t, 30*time.Second, "the expiry alert in the popup, badge !", func() (bool, string) {
			s := e.state(t)
			text := p.text(t)
			for _, a := range s.Alerts {
				msg := map[string]string{"ja": a.Message, "en": a.MessageEn}[p.lang(t)]
				if a.Kind == keyrelay.AlertExpiring && a.DaysLeft == 2 && strings.Contains(text, msg) && e.badge(t).Text == "!" {
					return true, ""
				}
			}
			return false, fmt.Sprintf("alerts %+v popup:\n%s", s.Alerts, text)
		})
		p.screenshot(t, "alert")
	}))
	must(t, t.Run("pairing_revoked", func(t *testing.T) {
		for _, pr := range e.h.pairings(t) {
			if pr.Status == keyrelay.PairingApproved {
				e.h.cli(t, "pair", "revoke", strconv.FormatInt(pr.ID, 10))
			}
		}
		e.h.stop(t)
		e.h.start(t)
		p.expect(t, keyrelay.StatePairingRevoked, nil)
		if strings.Contains(p.text(t), "起動していません") || strings.Contains(p.text(t), "not running") {
			t.Error("a revoked pairing reads as 'helper not running'")
		}
	}))
}

// must stops the test at the first failed step: the later states build on it.
func must(t *testing.T, ok bool) {
	t.Helper()
	if !ok {
		t.FailNow()
	}
}
