package ws_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
	"keyrelay/internal/ws"
	"keyrelay/internal/wsclient"
)

type taskOutcome struct {
	res keyrelay.GoQTaskResult
	err error
}

// TestGoQTaskOnlyFromItsBrowser: a GoQ task goes to the capturing pairing's
// connection; another paired browser's goq_result for it is dropped; the
// right browser's result is returned; a browser that disconnects mid-task
// ends it with ErrBrowserGone; authenticating tells OnBrowserReady.
func TestGoQTaskOnlyFromItsBrowser(t *testing.T) {
	ready := make(chan string, 8)
	e := newEnv(t, func(s *ws.Server) { s.OnBrowserReady = func(id string) { ready <- id } })
	a, crA := e.authed(t)
	b, crB := e.authed(t)
	for range 2 {
		select {
		case <-ready:
		case <-time.After(5 * time.Second):
			t.Fatal("OnBrowserReady not called on auth")
		}
	}
	if !e.srv.BrowserConnected(crA.ClientID) || e.srv.BrowserConnected("c_nobody") {
		t.Fatal("BrowserConnected is wrong")
	}

	task := keyrelay.GoQTask{ID: "delivery-7", ShopKey: "id:123456", Key: "SL123456_AbCdEfGh12345678", KeyLast4: "5678",
		BaseURL: "https://order.goqsystem.com/goq21/", Account: "goq-shop1", CaptureUUID: "6f1c2a9e-0000-4000-8000-000000000001"}
	done := make(chan taskOutcome, 1)
	go func() {
		r, err := e.srv.RunGoQTask(context.Background(), crA.ClientID, task)
		done <- taskOutcome{r, err}
	}()
	got := nextEvent(t, a, protocol.TypeGoQTask).(*protocol.GoQTask)
	if got.TaskID != task.ID || got.Key != task.Key || got.Shop != task.ShopKey || got.Account != task.Account || got.CaptureID != task.CaptureUUID {
		t.Fatalf("task sent %+v", got)
	}
	send := func(c interface{ WriteRaw([]byte) error }, m protocol.Message) {
		data, err := protocol.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.WriteRaw(data); err != nil {
			t.Fatal(err)
		}
	}
	// Browser B forges a result for A's task; a round trip on B proves the
	// helper has read it.
	send(b, &protocol.GoQResult{TaskID: task.ID, Outcome: keyrelay.GoQVerified})
	if _, err := b.Status(e.ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case o := <-done:
		t.Fatalf("another browser's result was taken: %+v", o)
	default:
	}
	_ = crB
	send(a, &protocol.GoQResult{TaskID: task.ID, Outcome: keyrelay.GoQRejected, Quote: "形式が正しくありません", Posted: true})
	select {
	case o := <-done:
		if o.err != nil || o.res.Outcome != keyrelay.GoQRejected || o.res.Quote != "形式が正しくありません" || !o.res.Posted {
			t.Fatalf("result %+v, %v", o.res, o.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the browser's result did not arrive")
	}

	// A bad outcome is refused by the protocol.
	send(a, &protocol.GoQResult{TaskID: task.ID, Outcome: "maybe"})
	if ev := nextEvent(t, a, protocol.TypeError).(*protocol.ErrorMsg); ev.Code != protocol.CodeBadMessage {
		t.Fatalf("bad outcome answered %s", ev.Code)
	}

	// The browser leaves mid-task.
	go func() {
		r, err := e.srv.RunGoQTask(context.Background(), crA.ClientID, task)
		done <- taskOutcome{r, err}
	}()
	nextEvent(t, a, protocol.TypeGoQTask)
	a.Close()
	select {
	case o := <-done:
		if !errors.Is(o.err, keyrelay.ErrBrowserGone) {
			t.Fatalf("after the browser left: %v, want ErrBrowserGone", o.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the task did not end when its browser left")
	}
	if _, err := e.srv.RunGoQTask(context.Background(), crA.ClientID, task); !errors.Is(err, keyrelay.ErrBrowserNotConnected) {
		t.Fatalf("to a gone browser: %v", err)
	}
}

// TestGoQModeOnlyForOwnCapture: the popup's 「ブラウザのGoQタブで反映する」
// switches the shop of this browser's own capture, and never another
// browser's.
func TestGoQModeOnlyForOwnCapture(t *testing.T) {
	var set []string
	e := newEnv(t, func(s *ws.Server) {
		s.SetBrowserMode = func(_ context.Context, shop string) error { set = append(set, shop); return nil }
	})
	a, _ := e.authed(t)
	b, _ := e.authed(t)
	c := newCapture("SL123456_AbCdEfGh12345678")
	if _, err := a.Capture(e.ctx, c); err != nil {
		t.Fatal(err)
	}
	var se *wsclient.ServerError
	if _, err := b.Request(e.ctx, &protocol.GoQModeRequest{CaptureID: c.CaptureID}); !errors.As(err, &se) || se.Code != protocol.CodeBadMessage {
		t.Fatalf("another browser's capture: %v, want bad_message", err)
	}
	if len(set) != 0 {
		t.Fatalf("browser mode set for another browser's capture: %v", set)
	}
	r, err := a.Request(e.ctx, &protocol.GoQModeRequest{CaptureID: c.CaptureID})
	if err != nil {
		t.Fatal(err)
	}
	if m := r.(*protocol.GoQModeReply); m.Shop != "id:123456" || m.Mode != keyrelay.DeliveryModeBrowser || len(set) != 1 || set[0] != "id:123456" {
		t.Fatalf("reply %+v, set %v", m, set)
	}
}

// TestGoQAccountOnlyForOwnCapture: the popup's confirmation of the GoQ
// account pins it for the shop of this browser's own capture only; another
// browser's confirmation is refused, a refusal of the store (an account
// already set) is bad_message, and an empty account never reaches the store.
func TestGoQAccountOnlyForOwnCapture(t *testing.T) {
	type pin struct{ shop, account string }
	var set []pin
	e := newEnv(t, func(s *ws.Server) {
		s.ConfirmBrowserAccount = func(_ context.Context, shop, account string) error {
			if len(set) > 0 {
				return keyrelay.Errorf(keyrelay.ECONFLICT, "既に設定されています", "already set")
			}
			set = append(set, pin{shop, account})
			return nil
		}
	})
	a, _ := e.authed(t)
	b, _ := e.authed(t)
	c := newCapture("SL123456_AbCdEfGh12345678")
	if _, err := a.Capture(e.ctx, c); err != nil {
		t.Fatal(err)
	}
	var se *wsclient.ServerError
	if _, err := b.Request(e.ctx, &protocol.GoQAccountRequest{CaptureID: c.CaptureID, Account: "goq-evil"}); !errors.As(err, &se) || se.Code != protocol.CodeBadMessage {
		t.Fatalf("another browser's capture: %v, want bad_message", err)
	}
	if _, err := a.Request(e.ctx, &protocol.GoQAccountRequest{CaptureID: c.CaptureID}); !errors.As(err, &se) || se.Code != protocol.CodeBadMessage {
		t.Fatalf("no account: %v, want bad_message", err)
	}
	if len(set) != 0 {
		t.Fatalf("pinned without the capturing browser's confirmation: %v", set)
	}
	r, err := a.Request(e.ctx, &protocol.GoQAccountRequest{CaptureID: c.CaptureID, Account: " goq-shop1 "})
	if err != nil {
		t.Fatal(err)
	}
	if m := r.(*protocol.GoQAccountReply); m.Shop != "id:123456" || m.Account != "goq-shop1" || len(set) != 1 || set[0] != (pin{"id:123456", "goq-shop1"}) {
		t.Fatalf("reply %+v, set %v", m, set)
	}
	if _, err := a.Request(e.ctx, &protocol.GoQAccountRequest{CaptureID: c.CaptureID, Account: "goq-shop2"}); !errors.As(err, &se) || se.Code != protocol.CodeBadMessage {
		t.Fatalf("a second confirmation: %v, want bad_message", err)
	}
}

// TestGoQModeAuditedDuringAFlood: the extension's change of a shop's
// delivery mode is an action, recorded even when a flood of refusals has
// used up the refusal budget (which only refusals draw from).
func TestGoQModeAuditedDuringAFlood(t *testing.T) {
	var frozen atomic.Pointer[time.Time] // set: the budget gets no refill during the flood
	e := newEnv(t, func(s *ws.Server) {
		s.SetBrowserMode = func(context.Context, string) error { return nil }
		s.Now = func() time.Time {
			if f := frozen.Load(); f != nil {
				return *f
			}
			return time.Now()
		}
	})
	a, _ := e.authed(t)
	c := newCapture("SL123456_AbCdEfGh12345678")
	if _, err := a.Capture(e.ctx, c); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	frozen.Store(&now)
	for range 120 { // more than the budget's burst of 100
		h := http.Header{"Origin": {chromeOrigin}}
		_, err := wsclient.Dial(e.ctx, e.url, "", &wsclient.Options{Header: withHost(h, "evil.example")})
		assertStatus(t, err, http.StatusForbidden)
	}
	if _, err := a.Request(e.ctx, &protocol.GoQModeRequest{CaptureID: c.CaptureID}); err != nil {
		t.Fatal(err)
	}
	if !e.hasAudit(t, keyrelay.AuditSettingsSaved, "set to browser") {
		t.Fatal("the mode change was not audited after a flood of refusals")
	}
}
