//go:build demo

package e2e_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/fakes/rms"
	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

// Browser mode (issue 14): the key goes into GoQ from the operator's own
// logged-in GoQ tab, filled by the extension; the helper holds no GoQ
// password and records the result as it records its own deliveries.

// TestGoQBrowserModeDelivers: for each fake GoQ markup, a capture of a shop
// in browser mode ends 送信済み・確認済み, GoQ holds the key, exactly one
// save was posted, nothing else changed, keyrelay never logged in, and the
// attempt names the GoQ account the page showed (each markup shows it in
// its own style: ログインID：, ログイン中：…さん, an HTML4 ユーザーID table).
func TestGoQBrowserModeDelivers(t *testing.T) {
	e := newGoQEnv(t, true)
	for _, m := range fakegoq.Markups {
		t.Run(m.String(), func(t *testing.T) {
			fake := e.goq.use(fakegoq.New(fakegoq.Options{Markup: m}))
			e.loginGoQ(t, e.b.openTab(t, goqBase))
			before := fake.Settings()
			id, key := e.captureGoQKey(t)
			d := e.waitDelivery(t, id, keyrelay.DeliveryDelivered, 90*time.Second)
			after := fake.Settings()
			if after[fakegoq.FieldLicenseKey] != key {
				t.Fatalf("GoQ holds %q, want the captured key", keyrelay.MaskKey(keyrelay.KeyLast4(after[fakegoq.FieldLicenseKey])))
			}
			delete(after, fakegoq.FieldLicenseKey)
			delete(before, fakegoq.FieldLicenseKey)
			if !maps.Equal(before, after) {
				t.Errorf("other settings changed:\nbefore %v\nafter  %v", before, after)
			}
			if got := fake.LastChanged(); !slices.Equal(got, []string{fakegoq.FieldLicenseKey}) {
				t.Errorf("the save changed %v, want only the key", got)
			}
			if fake.PostCount() != 1 || fake.LoginCount() != 1 {
				t.Errorf("%d save POSTs and %d logins; want 1 save and only the operator's login", fake.PostCount(), fake.LoginCount())
			}
			_, as := e.delivery(t, id)
			if len(as) != 1 || as[0].Result != keyrelay.DeliveryDelivered || as[0].LoginID != fakegoq.DefaultLoginID {
				t.Fatalf("attempts %+v, want one delivered by %s", as, fakegoq.DefaultLoginID)
			}
			if d.LoginID != fakegoq.DefaultLoginID || d.LastError != "" {
				t.Errorf("delivery login %q, error %q", d.LoginID, d.LastError)
			}
		})
	}

	t.Run("validation error", func(t *testing.T) {
		const said = "RMS Service Square ライセンスキーの形式が正しくありません（E-17）。"
		fake := e.goq.use(fakegoq.New(fakegoq.Options{}))
		fake.SetReject(said)
		e.loginGoQ(t, e.b.openTab(t, goqBase))
		before := fake.Settings()
		id, _ := e.captureGoQKey(t)
		d := e.waitDelivery(t, id, keyrelay.DeliveryNeedsAttention, 90*time.Second)
		if d.Quote != said {
			t.Fatalf("quote %q, want GoQ's message verbatim", d.Quote)
		}
		if _, as := e.delivery(t, id); len(as) != 1 || fake.PostCount() != 1 {
			t.Fatalf("%d attempts and %d POSTs, want exactly one of each", len(as), fake.PostCount())
		}
		if !maps.Equal(before, fake.Settings()) {
			t.Fatal("a refused save changed GoQ's settings")
		}
	})

	t.Run("already current", func(t *testing.T) {
		key := e.fake.Key("goq")
		fake := e.goq.use(fakegoq.New(fakegoq.Options{Settings: map[string]string{fakegoq.FieldLicenseKey: key}}))
		e.loginGoQ(t, e.b.openTab(t, goqBase))
		id, _ := e.captureGoQKey(t)
		e.waitDelivery(t, id, keyrelay.DeliveryAlreadyCurrent, 90*time.Second)
		if fake.PostCount() != 0 {
			t.Fatalf("%d save POSTs for a key GoQ already held, want 0", fake.PostCount())
		}
	})
}

// goqExtState is keyrelayState().goq.
type goqExtState struct {
	Permission  bool `json:"permission"`
	LoginNeeded *struct {
		Shop    string `json:"shop"`
		Message string `json:"message"`
	} `json:"loginNeeded"`
	Account *struct {
		Kind    string `json:"kind"`
		Want    string `json:"want"`
		Seen    string `json:"seen"`
		Message string `json:"message"`
	} `json:"account"`
	Confirm *struct {
		Account string `json:"account"`
	} `json:"confirm"`
}

func (e *goqEnv) goqState(t testing.TB) goqExtState {
	t.Helper()
	return mustSW[goqExtState](t, e.b, `keyrelayState().then(s => s.goq)`)
}

// TestGoQBrowserModeNeedsTheOperator: GoQ's session has expired (the tab
// shows the login page): the extension types nothing, the delivery waits
// with 「GoQにログインしてください」 in the history, the popup's state and
// the tab's badge; once the operator logs in, it resumes by itself. Then a
// tab closed, and the service worker stopped, in the middle of a save: the
// next run reads GoQ first and never posts a second time.
func TestGoQBrowserModeNeedsTheOperator(t *testing.T) {
	e := newGoQEnv(t, true)

	t.Run("session expired", func(t *testing.T) {
		fake := e.goq.use(fakegoq.New(fakegoq.Options{}))
		tb := e.b.openTab(t, goqBase) // GoQ's login page
		id, key := e.captureGoQKey(t)
		eventually(t, 60*time.Second, "ブラウザ待ち: GoQにログインしてください", func() (bool, string) {
			d, _ := e.delivery(t, id)
			return d.Status == keyrelay.DeliveryWaitingBrowser && strings.Contains(d.LastError, "GoQにログインしてください"), d.Status + " " + d.LastError
		})
		if s := e.goqState(t); s.LoginNeeded == nil || s.LoginNeeded.Message != "GoQにログインしてください" {
			t.Fatalf("the popup's state does not ask for the GoQ login: %+v", s)
		}
		if badge := mustSW[string](t, e.b, fmt.Sprintf(`chrome.action.getBadgeText({tabId: %d})`, tb.id)); badge != "!" {
			t.Errorf("the GoQ tab's badge is %q, want !", badge)
		}
		if fake.LoginCount() != 0 || fake.PostCount() != 0 {
			t.Fatalf("keyrelay logged in (%d) or posted (%d) by itself", fake.LoginCount(), fake.PostCount())
		}
		e.loginGoQ(t, tb)
		e.waitDelivery(t, id, keyrelay.DeliveryDelivered, 60*time.Second)
		if fake.StoredKey() != key || fake.PostCount() != 1 || fake.LoginCount() != 1 {
			t.Fatalf("after the login: key stored %v, %d POSTs, %d logins", fake.StoredKey() == key, fake.PostCount(), fake.LoginCount())
		}
		if s := e.goqState(t); s.LoginNeeded != nil {
			t.Errorf("still asks for a login: %+v", s.LoginNeeded)
		}
	})

	// midFill holds the next save POST, runs interrupt while it is held
	// (nothing else reaches GoQ meanwhile), then lets the save through.
	midFill := func(t *testing.T, interrupt func()) (id, key string, fake *fakegoq.Server) {
		fake = e.goq.use(fakegoq.New(fakegoq.Options{}))
		e.loginGoQ(t, e.b.openTab(t, goqBase))
		arrived, proceed := make(chan struct{}), make(chan struct{})
		e.goq.holdNextSave(func() { close(arrived); <-proceed })
		id, key = e.captureGoQKey(t)
		select {
		case <-arrived:
		case <-time.After(60 * time.Second):
			close(proceed)
			t.Fatal("no save POST arrived")
		}
		interrupt()
		close(proceed)
		return id, key, fake
	}
	finishedOnce := func(t *testing.T, id, key string, fake *fakegoq.Server) {
		var d *keyrelay.Delivery
		eventually(t, 90*time.Second, "the delivery ends with GoQ holding the key", func() (bool, string) {
			d, _ = e.delivery(t, id)
			return d.Status == keyrelay.DeliveryDelivered || d.Status == keyrelay.DeliveryAlreadyCurrent, d.Status + " " + d.LastError
		})
		if fake.StoredKey() != key || fake.PostCount() != 1 {
			t.Fatalf("GoQ holds the key: %v; %d save POSTs, want exactly 1", fake.StoredKey() == key, fake.PostCount())
		}
	}

	t.Run("tab closed mid-fill", func(t *testing.T) {
		id, key, fake := midFill(t, func() {
			for _, tid := range mustSW[[]int64](t, e.b, `chrome.tabs.query({url: "https://`+goqHost+`/*"}).then(ts => ts.map(t => t.id))`) {
				mustSW[any](t, e.b, fmt.Sprintf(`chrome.tabs.remove(%d)`, tid))
			}
		})
		finishedOnce(t, id, key, fake)
	})

	t.Run("service worker stopped mid-fill", func(t *testing.T) {
		id, key, fake := midFill(t, func() { e.b.stopSW(t) })
		eventually(t, 30*time.Second, "ブラウザ待ち after the worker died", func() (bool, string) {
			d, _ := e.delivery(t, id)
			return d.Status == keyrelay.DeliveryWaitingBrowser, d.Status + " " + d.LastError
		})
		// Wake the worker the way the operator would: use an RMS page.
		e.b.openTab(t, rms.AppListURL())
		finishedOnce(t, id, key, fake)
	})
}

// TestGoQBrowserModeWithoutPermission: the operator has not granted the
// GoQ host permission: no GoQ content script is registered, nothing is
// posted, and the delivery waits saying what to press.
func TestGoQBrowserModeWithoutPermission(t *testing.T) {
	e := newGoQEnv(t, false)
	fake := e.goq.use(fakegoq.New(fakegoq.Options{}))
	if s := e.goqState(t); s.Permission {
		t.Fatal("the extension holds the GoQ permission without being granted it")
	}
	id, _ := e.captureGoQKey(t)
	eventually(t, 60*time.Second, "ブラウザ待ち: no permission", func() (bool, string) {
		d, _ := e.delivery(t, id)
		return d.Status == keyrelay.DeliveryWaitingBrowser && strings.Contains(d.LastError, "許可がありません"), d.Status + " " + d.LastError
	})
	if n := mustSW[int](t, e.b, `chrome.scripting.getRegisteredContentScripts().then(s => s.length)`); n != 0 {
		t.Fatalf("%d content scripts registered without the permission", n)
	}
	if fake.PostCount() != 0 || fake.LoginCount() != 0 {
		t.Fatal("GoQ was touched without the permission")
	}
}

// TestGoQBrowserModeFromPopup: a shop without a GoQ login; its key waits
// (GoQログイン待ち) and the popup offers 「ブラウザのGoQタブで反映する」. The
// operator's click asks for the GoQ permission (already granted in the test
// copy, so Chrome shows no prompt) and puts the shop in browser mode. The
// shop has no GoQ account yet, so nothing is typed: the popup asks
// 「GoQアカウント goq-demo にこのショップのキーを反映しますか？」 (what the
// GoQ tab shows); the operator's click pins that account and the key then
// goes into the operator's GoQ tab.
func TestGoQBrowserModeFromPopup(t *testing.T) {
	e := newGoQEnvWith(t, true, false)
	fake := e.goq.use(fakegoq.New(fakegoq.Options{}))
	e.loginGoQ(t, e.b.openTab(t, goqBase))
	id, key := e.captureGoQKey(t)
	e.waitDelivery(t, id, keyrelay.DeliveryWaitingLogin, 30*time.Second)
	p := e.openPopup(t, nil)
	p.tab.do(t, "the operator presses 「ブラウザのGoQタブで反映する」",
		chromedp.WaitVisible(chromedp.CSS(`#goqUse`)),
		chromedp.Click(chromedp.CSS(`#goqUse`)),
	)
	d := e.waitDelivery(t, id, keyrelay.DeliveryWaitingAccount, 60*time.Second)
	if !strings.Contains(d.LastError, "GoQアカウント "+fakegoq.DefaultLoginID+" に") || d.LoginID != fakegoq.DefaultLoginID || fake.PostCount() != 0 {
		t.Fatalf("before the confirmation: %q by %s, %d POSTs", d.LastError, d.LoginID, fake.PostCount())
	}
	p = e.openPopup(t, nil)
	p.tab.do(t, "the popup asks to confirm the GoQ account", chromedp.WaitVisible(chromedp.CSS(`#goqConfirmYes`)))
	question := tabEval[string](t, p.tab, `document.querySelector('#goqConfirmQ').textContent`)
	p.tab.do(t, "the operator confirms the GoQ account the tab shows", chromedp.Click(chromedp.CSS(`#goqConfirmYes`)))
	want := "GoQアカウント " + fakegoq.DefaultLoginID + " にこのショップのキーを反映しますか？"
	if p.lang(t) != "ja" {
		want = "Put this shop's key into GoQ account " + fakegoq.DefaultLoginID + "?"
	}
	if question != want {
		t.Errorf("the popup asks %q, want %q", question, want)
	}
	e.waitDelivery(t, id, keyrelay.DeliveryDelivered, 60*time.Second)
	if fake.StoredKey() != key || fake.PostCount() != 1 || fake.LoginCount() != 1 {
		t.Fatalf("GoQ holds the key: %v; %d POSTs, %d logins", fake.StoredKey() == key, fake.PostCount(), fake.LoginCount())
	}
	st := e.h.store(t)
	if a, err := sqlite.NewDeliveryModeService(st.db).BrowserAccount(context.Background(), "goq", keyrelay.ShopRef{ID: goqShop}.Key()); err != nil || a != fakegoq.DefaultLoginID {
		t.Fatalf("the shop's GoQ account is %q (%v), want the confirmed %s", a, err, fakegoq.DefaultLoginID)
	}
	if m, err := sqlite.NewDeliveryModeService(st.db).DeliveryMode(context.Background(), "goq", keyrelay.ShopRef{ID: goqShop}.Key()); err != nil || m != keyrelay.DeliveryModeBrowser {
		t.Fatalf("the shop's mode is %q (%v), want browser", m, err)
	}
}
