//go:build demo

package outbox_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

// scriptedBrowser is a keyrelay.BrowserRelay whose extension answers each
// task with the next scripted result.
type scriptedBrowser struct {
	mu        sync.Mutex
	connected map[string]bool
	answers   []browserAnswer
	tasks     []keyrelay.GoQTask
	clients   []string
}

type browserAnswer struct {
	res keyrelay.GoQTaskResult
	err error
}

func (b *scriptedBrowser) BrowserConnected(id string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.connected[id]
}

func (b *scriptedBrowser) RunGoQTask(ctx context.Context, id string, t keyrelay.GoQTask) (keyrelay.GoQTaskResult, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tasks = append(b.tasks, t)
	b.clients = append(b.clients, id)
	a := b.answers[0]
	b.answers = b.answers[1:]
	return a.res, a.err
}

// TestBrowserModeOutbox: a browser-mode shop's delivery goes only to the
// capturing browser, waits (ブラウザ待ち) while it is away or GoQ wants a
// login, and records each result like a server-side attempt: the browser as
// the GoQ login, GoQ's refusal verbatim with no retry.
func TestBrowserModeOutbox(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := e.newShop(1, fakegoq.Options{})
	if _, err := sqlite.NewDeliveryModeService(e.db).SetDeliveryMode(ctx, "goq", s.ref.Key(), keyrelay.DeliveryModeBrowser); err != nil {
		t.Fatal(err)
	}
	br := &scriptedBrowser{connected: map[string]bool{}}
	w := e.worker()
	w.Modes = sqlite.NewDeliveryModeService(e.db)
	w.Browser = br
	w.GoQBaseURL = "https://order.goqsystem.com/goq21/"
	modes := sqlite.NewDeliveryModeService(e.db)

	c, key := e.capture(s, "GoQSystem")
	if d := e.delivery(c); d.Status != keyrelay.DeliveryPending {
		t.Fatalf("a browser-mode capture is %s, want pending (no login needed)", d.Status)
	}
	// The capture has no pairing (ClientID ""): nobody to hand it to.
	once(t, w)
	if d := e.delivery(c); d.Status != keyrelay.DeliveryWaitingBrowser || !strings.Contains(d.LastError, "ブラウザ待ち") {
		t.Fatalf("without its browser: %s %q, want waiting_browser", d.Status, d.LastError)
	}

	// A capture from browser A, which is connected.
	c2, key2 := e.captureFrom(s, "GoQSystem", "c_browserA")
	br.connected["c_browserA"] = true
	br.connected["c_browserB"] = true
	br.answers = []browserAnswer{
		{err: keyrelay.ErrBrowserGone},                                 // the SW died mid-fill
		{res: keyrelay.GoQTaskResult{Outcome: keyrelay.GoQNeedsLogin}}, // GoQ's login page
		{res: keyrelay.GoQTaskResult{Outcome: keyrelay.GoQVerified, Account: "goq-shop1", Posted: true}},
	}
	once(t, w)
	if d := e.delivery(c2); d.Status != keyrelay.DeliveryWaitingBrowser || !strings.Contains(d.LastError, "接続が切れました") {
		t.Fatalf("after the browser left mid-task: %s %q", d.Status, d.LastError)
	}
	if n, _ := modes.WakeWaitingBrowser(ctx, "c_browserA"); n != 1 {
		t.Fatalf("browser A's return woke %d deliveries, want 1", n)
	}
	once(t, w)
	if d := e.delivery(c2); d.Status != keyrelay.DeliveryWaitingBrowser || !strings.Contains(d.LastError, "GoQにログインしてください") {
		t.Fatalf("on GoQ's login page: %s %q", d.Status, d.LastError)
	}
	modes.WakeWaitingBrowser(ctx, "c_browserA")
	once(t, w)
	d := e.delivery(c2)
	if d.Status != keyrelay.DeliveryDelivered || d.LoginID != "goq-shop1" || d.Attempts != 3 {
		t.Fatalf("delivered: %+v", d)
	}
	for i, tk := range br.tasks {
		if br.clients[i] != "c_browserA" || tk.Key != key2 || tk.ID != br.tasks[0].ID || tk.ShopKey != s.ref.Key() {
			t.Fatalf("task %d went to %s with id %s: every try is the same task, to the capturing browser", i, br.clients[i], tk.ID)
		}
	}
	_ = key

	// GoQ refuses: 要対応 at once, verbatim, masked.
	c3, key3 := e.captureFrom(s, "GoQSystem", "c_browserA")
	quote := "ライセンスキー「" + key3 + "」の形式が正しくありません。"
	br.answers = []browserAnswer{{res: keyrelay.GoQTaskResult{Outcome: keyrelay.GoQRejected, Quote: quote, Posted: true}}}
	once(t, w)
	d = e.delivery(c3)
	if d.Status != keyrelay.DeliveryNeedsAttention || strings.Contains(d.Quote, key3) || !strings.Contains(d.Quote, "の形式が正しくありません。") {
		t.Fatalf("refused: %s quote %q", d.Status, d.Quote)
	}
	if as := e.attempts(d); len(as) != 1 || as[0].LoginID != keyrelay.BrowserLoginID {
		t.Fatalf("attempts %+v, want one by %s", as, keyrelay.BrowserLoginID)
	}
}

// captureFrom is capture, sent by the pairing clientID.
func (e *env) captureFrom(s *shop, app, clientID string) (*keyrelay.Capture, string) {
	e.t.Helper()
	key := e.key(s)
	e.remember(key)
	c, _, err := e.captures.CreateCapture(context.Background(), &keyrelay.Capture{
		UUID: newUUID(), Shop: s.ref, AppName: app, Developer: "株式会社GoQ System",
		State: "利用中", Expiry: "-", Key: key, ClientID: clientID,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return c, key
}

// TestBrowserModeTwoShopsTwoBrowsers: two shops in browser mode, each
// captured in its own browser (each logged in to its own GoQ account): each
// key goes only to the browser that captured it, and each attempt records
// the account that browser's GoQ page showed.
func TestBrowserModeTwoShopsTwoBrowsers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	modes := sqlite.NewDeliveryModeService(e.db)
	s1, s2 := e.newShop(1, fakegoq.Options{}), e.newShop(2, fakegoq.Options{})
	for _, s := range []*shop{s1, s2} {
		if _, err := modes.SetDeliveryMode(ctx, "goq", s.ref.Key(), keyrelay.DeliveryModeBrowser); err != nil {
			t.Fatal(err)
		}
	}
	br := &routedBrowser{accounts: map[string]string{"c_browserA": "goq-account-A", "c_browserB": "goq-account-B"}}
	w := e.worker()
	w.Modes, w.Browser, w.GoQBaseURL = modes, br, "https://order.goqsystem.com/goq21/"
	c1, key1 := e.captureFrom(s1, "GoQSystem", "c_browserA")
	c2, key2 := e.captureFrom(s2, "GoQSystem", "c_browserB")
	for once(t, w) > 0 {
	}
	d1, d2 := e.delivery(c1), e.delivery(c2)
	if d1.Status != keyrelay.DeliveryDelivered || d1.LoginID != "goq-account-A" || d2.Status != keyrelay.DeliveryDelivered || d2.LoginID != "goq-account-B" {
		t.Fatalf("shop 1: %s by %s; shop 2: %s by %s", d1.Status, d1.LoginID, d2.Status, d2.LoginID)
	}
	br.mu.Lock()
	defer br.mu.Unlock()
	if br.got["c_browserA"] != key1 || br.got["c_browserB"] != key2 || len(br.got) != 2 {
		t.Fatal("a key went to a browser that did not capture it")
	}
}

// routedBrowser answers every task as verified by the account of the
// browser it went to, and remembers which key went where.
type routedBrowser struct {
	mu       sync.Mutex
	accounts map[string]string
	got      map[string]string
}

func (b *routedBrowser) BrowserConnected(id string) bool { return b.accounts[id] != "" }

func (b *routedBrowser) RunGoQTask(_ context.Context, id string, t keyrelay.GoQTask) (keyrelay.GoQTaskResult, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.got == nil {
		b.got = map[string]string{}
	}
	if _, dup := b.got[id]; dup {
		return keyrelay.GoQTaskResult{}, keyrelay.ErrBrowserGone
	}
	b.got[id] = t.Key
	return keyrelay.GoQTaskResult{Outcome: keyrelay.GoQVerified, Account: b.accounts[id], Posted: true}, nil
}
