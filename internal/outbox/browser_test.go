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
	if _, err := modes.SetBrowserAccount(ctx, "goq", s.ref.Key(), "goq-shop1", false); err != nil {
		t.Fatal(err)
	}

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
		if br.clients[i] != "c_browserA" || tk.Key != key2 || tk.ID != br.tasks[0].ID || tk.ShopKey != s.ref.Key() || tk.Account != "goq-shop1" || tk.CaptureUUID != c2.UUID {
			t.Fatalf("task %d went to %s with id %s: every try is the same task, to the capturing browser", i, br.clients[i], tk.ID)
		}
	}
	_ = key

	// GoQ refuses: 要対応 at once, verbatim, masked.
	c3, key3 := e.captureFrom(s, "GoQSystem", "c_browserA")
	quote := "ライセンスキー「" + key3 + "」の形式が正しくありません。"
	br.answers = []browserAnswer{{res: keyrelay.GoQTaskResult{Outcome: keyrelay.GoQRejected, Quote: quote, Posted: true, Account: "goq-shop1"}}}
	once(t, w)
	d = e.delivery(c3)
	if d.Status != keyrelay.DeliveryNeedsAttention || strings.Contains(d.Quote, key3) || !strings.Contains(d.Quote, "の形式が正しくありません。") {
		t.Fatalf("refused: %s quote %q", d.Status, d.Quote)
	}
	if as := e.attempts(d); len(as) != 1 || as[0].LoginID != "goq-shop1" {
		t.Fatalf("attempts %+v, want one by goq-shop1", as)
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
	for i, s := range []*shop{s1, s2} {
		if _, err := modes.SetDeliveryMode(ctx, "goq", s.ref.Key(), keyrelay.DeliveryModeBrowser); err != nil {
			t.Fatal(err)
		}
		if _, err := modes.SetBrowserAccount(ctx, "goq", s.ref.Key(), []string{"goq-account-A", "goq-account-B"}[i], false); err != nil {
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
	if br.got["c_browserA"] != key1 || br.got["c_browserB"] != key2 || len(br.got) != 2 {
		t.Fatal("a key went to a browser that did not capture it")
	}
	// Browser A is now logged in to shop 2's account when shop 1's next key
	// arrives: nothing is filled, the delivery waits naming both accounts.
	br.accounts["c_browserA"] = "goq-account-B"
	br.got = nil
	br.mu.Unlock()
	c3, key3 := e.captureFrom(s1, "GoQSystem", "c_browserA")
	for once(t, w) > 0 {
	}
	d3 := e.delivery(c3)
	if d3.Status != keyrelay.DeliveryWaitingAccount || d3.LoginID != "goq-account-B" ||
		!strings.Contains(d3.LastError, "GoQに別のアカウント（goq-account-B）でログインしています。このショップのGoQアカウント（goq-account-A）でログインし直してください") {
		t.Fatalf("wrong account: %s by %s: %q", d3.Status, d3.LoginID, d3.LastError)
	}
	if br.filled() != 0 {
		t.Fatal("a key was filled into the wrong account")
	}
	// The operator logs in to account A; the browser says so (goq_ready).
	br.mu.Lock()
	br.accounts["c_browserA"] = "goq-account-A"
	br.mu.Unlock()
	if n, _ := modes.WakeWaitingBrowser(ctx, "c_browserA"); n != 1 {
		t.Fatalf("goq_ready woke %d, want 1", n)
	}
	for once(t, w) > 0 {
	}
	if d3 = e.delivery(c3); d3.Status != keyrelay.DeliveryDelivered || d3.LoginID != "goq-account-A" || br.got["c_browserA"] != key3 {
		t.Fatalf("after logging in to A: %s by %s", d3.Status, d3.LoginID)
	}
	as := e.attempts(d3)
	if len(as) != 2 || as[0].Result != keyrelay.DeliveryWaitingAccount || as[0].LoginID != "goq-account-B" || as[1].LoginID != "goq-account-A" {
		t.Fatalf("attempts %+v: the refusal by B, then A", as)
	}
}

// TestBrowserModeAccountNeverGreenByAnother: whatever the extension
// reports, the helper marks a delivery verified only when the account the
// page showed is the shop's: a verified result from another account, or
// with no account shown, or for a shop without an account, is never green.
// Without an expected account the operator is asked to confirm the one the
// tab shows.
func TestBrowserModeAccountNeverGreenByAnother(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	modes := sqlite.NewDeliveryModeService(e.db)
	s := e.newShop(1, fakegoq.Options{})
	if _, err := modes.SetDeliveryMode(ctx, "goq", s.ref.Key(), keyrelay.DeliveryModeBrowser); err != nil {
		t.Fatal(err)
	}
	br := &scriptedBrowser{connected: map[string]bool{"c_A": true}}
	w := e.worker()
	w.Modes, w.Browser, w.GoQBaseURL = modes, br, "https://order.goqsystem.com/goq21/"
	for _, tc := range []struct {
		name    string
		account string // the shop's
		res     keyrelay.GoQTaskResult
		status  string
		says    string
	}{
		{"no account set, verified anyway", "", keyrelay.GoQTaskResult{Outcome: keyrelay.GoQVerified, Account: "goq-x", Posted: true},
			keyrelay.DeliveryNeedsAttention, "確認済みにしていません"},
		{"first use", "", keyrelay.GoQTaskResult{Outcome: keyrelay.GoQConfirmAccount, Account: "goq-x"},
			keyrelay.DeliveryWaitingAccount, "GoQアカウント goq-x に"},
		{"another account after the save", "goq-a", keyrelay.GoQTaskResult{Outcome: keyrelay.GoQVerified, Account: "goq-b", Posted: true},
			keyrelay.DeliveryNeedsAttention, "保存後のGoQの画面のアカウント（goq-b）が、このショップのGoQアカウント（goq-a）と一致しない"},
		{"already current in another account", "goq-a", keyrelay.GoQTaskResult{Outcome: keyrelay.GoQAlreadyCurrent, Account: "goq-b"},
			keyrelay.DeliveryWaitingAccount, "別のアカウント（goq-b）"},
		{"verified without an account shown", "goq-a", keyrelay.GoQTaskResult{Outcome: keyrelay.GoQVerified, Posted: true},
			keyrelay.DeliveryNeedsAttention, "（表示なし）"},
		{"no account on the page", "goq-a", keyrelay.GoQTaskResult{Outcome: keyrelay.GoQNoAccount},
			keyrelay.DeliveryWaitingAccount, "ログイン中のアカウントが表示されていないため、このショップのGoQアカウント（goq-a）か確認できません"},
		{"same account, full-width", "goq-a", keyrelay.GoQTaskResult{Outcome: keyrelay.GoQVerified, Account: "ｇｏｑ－ａ", Posted: true},
			keyrelay.DeliveryDelivered, "確認しました"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.account != "" {
				if _, err := modes.SetBrowserAccount(ctx, "goq", s.ref.Key(), tc.account, false); err != nil {
					t.Fatal(err)
				}
			}
			c, _ := e.captureFrom(s, "GoQSystem", "c_A")
			br.answers = []browserAnswer{{res: tc.res}}
			once(t, w)
			d := e.delivery(c)
			if d.Status != tc.status || !strings.Contains(d.LastError+d.LastErrorEn, tc.says) && tc.status != keyrelay.DeliveryDelivered {
				t.Fatalf("%s %q, want %s saying %q", d.Status, d.LastError, tc.status, tc.says)
			}
			if tk := br.tasks[len(br.tasks)-1]; tk.Account != tc.account {
				t.Fatalf("the task carried account %q, want %q", tk.Account, tc.account)
			}
		})
	}
}

func (b *routedBrowser) filled() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.got)
}

// TestBrowserModeAccountSetMeanwhile: the operator sets the shop's GoQ
// account while a task without one runs; the extension's confirm_account
// answer then leads to another try at once, not to a wait nobody wakes.
func TestBrowserModeAccountSetMeanwhile(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	modes := sqlite.NewDeliveryModeService(e.db)
	s := e.newShop(1, fakegoq.Options{})
	if _, err := modes.SetDeliveryMode(ctx, "goq", s.ref.Key(), keyrelay.DeliveryModeBrowser); err != nil {
		t.Fatal(err)
	}
	br := &settingBrowser{set: func() {
		if _, err := modes.SetBrowserAccount(ctx, "goq", s.ref.Key(), "goq-a", false); err != nil {
			t.Error(err)
		}
	}}
	w := e.worker()
	w.Modes, w.Browser, w.GoQBaseURL = modes, br, "https://order.goqsystem.com/goq21/"
	c, _ := e.captureFrom(s, "GoQSystem", "c_A")
	for once(t, w) > 0 {
	}
	d := e.delivery(c)
	if d.Status != keyrelay.DeliveryDelivered || d.LoginID != "goq-a" || d.Attempts != 2 {
		t.Fatalf("%s by %s after %d attempts: %q", d.Status, d.LoginID, d.Attempts, d.LastError)
	}
}

// settingBrowser asks for a confirmation on its first task (no account),
// while set runs, as an operator setting the account on GoQ設定 meanwhile;
// then it fills.
type settingBrowser struct {
	mu  sync.Mutex
	set func()
	n   int
}

func (b *settingBrowser) BrowserConnected(string) bool { return true }

func (b *settingBrowser) RunGoQTask(_ context.Context, _ string, t keyrelay.GoQTask) (keyrelay.GoQTaskResult, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n++
	if t.Account == "" {
		b.set()
		return keyrelay.GoQTaskResult{Outcome: keyrelay.GoQConfirmAccount, Account: "goq-a"}, nil
	}
	return keyrelay.GoQTaskResult{Outcome: keyrelay.GoQVerified, Account: "goq-a", Posted: true}, nil
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
	if t.Account != b.accounts[id] {
		// As the extension: another account on the page, nothing filled.
		return keyrelay.GoQTaskResult{Outcome: keyrelay.GoQWrongAccount, Account: b.accounts[id]}, nil
	}
	b.got[id] = t.Key
	return keyrelay.GoQTaskResult{Outcome: keyrelay.GoQVerified, Account: b.accounts[id], Posted: true}, nil
}
