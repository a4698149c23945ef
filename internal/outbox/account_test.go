//go:build demo

package outbox_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/keyrelay"
)

// recordingDest is a Destination that keeps every Deliver call: which
// login was used for which key. It answers with err when set, else
// delivered. It shares no code with the GoQ client.
type recordingDest struct {
	mu    sync.Mutex
	calls []deliverCall
	err   error
}

type deliverCall struct {
	credsID int64
	login   string
	shopKey string
	key     string
}

func (d *recordingDest) Name() string { return keyrelay.DestinationGoQ }

func (d *recordingDest) Deliver(_ context.Context, req keyrelay.DeliveryRequest) (keyrelay.DeliveryResult, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, deliverCall{credsID: req.Creds.ID, login: req.Creds.LoginID, shopKey: req.Shop.Key, key: req.Key})
	if d.err != nil {
		return keyrelay.DeliveryResult{}, d.err
	}
	return keyrelay.DeliveryResult{Status: keyrelay.DeliveryDelivered}, nil
}

func (d *recordingDest) TestConnection(context.Context, *keyrelay.Credentials) error { return nil }

func (d *recordingDest) Calls() []deliverCall {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]deliverCall(nil), d.calls...)
}

// drain runs the worker until nothing is due, moving the clock past any
// backoff, and returns how many attempts ran.
func drain(t *testing.T, e *env, w interface {
	Once(context.Context) (int, error)
}) int {
	t.Helper()
	ran := 0
	for range 20 {
		n, err := w.Once(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		ran += n
		e.clock.Advance(time.Hour)
	}
	return ran
}

// TestSecondShopNeverUsesFirstShopsLogin is issue 13's account bug, end to
// end through the worker: two shops, one default GoQ login. Shop A's key
// goes to that login; shop B's waits (GoQログイン待ち) and is never posted
// with A's login. Assigning B a login delivers it with that login, and the
// delivery records which login received each key.
func TestSecondShopNeverUsesFirstShopsLogin(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	dest := &recordingDest{}
	e.dest = dest
	a, b := e.newShop(1, fakegoq.Options{}), e.newShop(2, fakegoq.Options{})
	def := &keyrelay.Credentials{Destination: "goq", BaseURL: a.url, LoginID: "account-a", Password: "pw-a"}
	if err := e.creds.SetCredentials(ctx, def); err != nil {
		t.Fatal(err)
	}
	w := e.worker()

	ca, keyA := e.capture(a, app)
	cb, keyB := e.capture(b, app)
	drain(t, e, w)

	da := e.delivery(ca)
	if da.Status != keyrelay.DeliveryDelivered || da.LoginID != "account-a" || da.CredentialsID != def.ID {
		t.Fatalf("shop A: %s login %q creds %d", da.Status, da.LoginID, da.CredentialsID)
	}
	db := e.delivery(cb)
	if db.Status != keyrelay.DeliveryWaitingLogin || db.LoginID != "" {
		t.Fatalf("shop B: %s login %q, want waiting_login with no login", db.Status, db.LoginID)
	}
	for _, c := range dest.Calls() {
		if c.key == keyB {
			t.Fatalf("shop B's key was posted with login %q", c.login)
		}
	}
	if calls := dest.Calls(); len(calls) != 1 || calls[0].key != keyA || calls[0].login != "account-a" {
		t.Fatalf("calls: %+v", calls)
	}

	// The operator gives shop B its own GoQ account, bound to another shop
	// first, and moves it to B (keyrelay goq assign --move).
	own := &keyrelay.Credentials{ShopKey: "id:999999", Destination: "goq", BaseURL: b.url, LoginID: "account-b", Password: "pw-b"}
	if err := e.creds.SetCredentials(ctx, own); err != nil {
		t.Fatal(err)
	}
	if n, err := e.creds.AssignCredentials(ctx, own.ID, b.ref.Key(), true); err != nil || n != 1 {
		t.Fatalf("assign woke %d (%v), want 1", n, err)
	}
	drain(t, e, w)
	db = e.delivery(cb)
	if db.Status != keyrelay.DeliveryDelivered || db.LoginID != "account-b" || db.CredentialsID != own.ID {
		t.Fatalf("shop B after assign: %s login %q creds %d", db.Status, db.LoginID, db.CredentialsID)
	}
	calls := dest.Calls()
	if len(calls) != 2 || calls[1].key != keyB || calls[1].login != "account-b" || calls[1].shopKey != b.ref.Key() {
		t.Fatalf("calls: %+v", calls)
	}
	as := e.attempts(db)
	if got := as[len(as)-1]; got.LoginID != "account-b" || got.CredentialsID != own.ID {
		t.Fatalf("last attempt: %+v", got)
	}
}

// TestRejectedQuoteVerbatimAfterOnePost: a destination that answers the
// save with its own validation message (EREJECTED with a Quote) is posted
// to once; the delivery goes to needs_attention at once with GoQ's words
// kept verbatim (the key masked), in the store and in the pushed event.
func TestRejectedQuoteVerbatimAfterOnePost(t *testing.T) {
	e := newEnv(t)
	const words = "ライセンスキーの形式が正しくありません。（E1024）"
	dest := &recordingDest{}
	e.dest = dest
	s := e.newShop(1, fakegoq.Options{})
	e.setLogin(s)
	w := e.worker()
	c, key := e.capture(s, app)
	dest.err = &keyrelay.Error{Code: keyrelay.EREJECTED,
		Message:   "GoQSystemがライセンスキーを受け付けませんでした。",
		MessageEn: "GoQSystem refused the license key.",
		Quote:     words + " 入力値: " + key}

	if ran := drain(t, e, w); ran != 1 {
		t.Fatalf("the worker ran %d attempts, want 1", ran)
	}
	if n := len(dest.Calls()); n != 1 {
		t.Fatalf("%d posts, want exactly 1", n)
	}
	d := e.delivery(c)
	if d.Status != keyrelay.DeliveryNeedsAttention || d.Attempts != 1 {
		t.Fatalf("status %s after %d attempts, want needs_attention after 1", d.Status, d.Attempts)
	}
	want := words + " 入力値: ［末尾4桁: " + keyrelay.KeyLast4(key) + "］"
	if d.Quote != want {
		t.Fatalf("quote %q, want %q", d.Quote, want)
	}
	if !strings.Contains(d.LastError, "再送していません") || !strings.Contains(d.LastErrorEn, "not sent again") {
		t.Errorf("the error does not say the key was not sent again: %q / %q", d.LastError, d.LastErrorEn)
	}
	if strings.Contains(d.Quote+d.LastError+d.LastErrorEn, key) {
		t.Fatal("the key is stored with the delivery's error")
	}
	if d.LoginID != s.login {
		t.Fatalf("login %q, want %q", d.LoginID, s.login)
	}
	if as := e.attempts(d); len(as) != 1 || as[0].Quote != want {
		t.Fatalf("attempts: %+v", as)
	}
	e.waitEvent(c, keyrelay.DeliveryNeedsAttention)
	e.events.mu.Lock()
	defer e.events.mu.Unlock()
	var got keyrelay.DeliveryEvent
	for _, ev := range e.events.events {
		if ev.CaptureUUID == c.UUID && ev.Status == keyrelay.DeliveryNeedsAttention {
			got = ev
		}
	}
	if got.Quote != want || got.LoginID != s.login {
		t.Fatalf("event: %+v", got)
	}
}
