package ws_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
	"keyrelay/internal/reminder"
	"keyrelay/internal/sqlite"
	"keyrelay/internal/ws"
	"keyrelay/internal/wsclient"
)

func TestAppListAndStatus(t *testing.T) {
	var db *sqlite.DB
	e := newEnv(t, func(s *ws.Server) {
		s.Alerts = &reminder.Source{Apps: s.AppStatus.(*sqlite.AppStatusService)}
	})
	db = e.db
	c, _ := e.authed(t)
	listing := &protocol.AppListing{
		Shop: keyrelay.ShopRef{ID: "123456", Name: "サンプル店"}, PageURL: "https://webservice.rms.rakuten.co.jp/apps",
		Rows: []keyrelay.AppListRow{
			{Developer: "株式会社GoQSystem", AppName: "GoQ System (ごくシステム)", KeyLast4: "IANT", Expiry: "-", State: "利用中 更新あり", UpdatePending: true},
			{Developer: "other", AppName: "Other", KeyLast4: "ABCD", Expiry: "2099/01/01", State: "利用中"},
		},
	}
	rows, err := c.AppList(e.ctx, listing)
	if err != nil {
		t.Fatalf("AppList: %v", err)
	}
	if got, want := rows, 2; got != want {
		t.Errorf("rows = %d, want %d", got, want)
	}
	apps, err := sqlite.NewAppStatusService(db).FindAppStatuses(e.ctx)
	if err != nil || len(apps) != 2 {
		t.Fatalf("app statuses = %d, %v; want 2 stored", len(apps), err)
	}
	st, err := c.Status(e.ctx)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if len(st.Alerts) != 1 || st.Alerts[0].Kind != keyrelay.AlertUpdatePending {
		t.Errorf("alerts = %+v, want one update_pending", st.Alerts)
	}
	t.Run("pushed when alerts change", func(t *testing.T) {
		e.srv.AlertsChanged()
		m := nextEvent(t, c, protocol.TypeStatus)
		if st := m.(*protocol.StatusReply); st.Ref != "" || len(st.Alerts) != 1 {
			t.Errorf("pushed status = %+v, want one alert and no ref", st)
		}
	})
}

func TestAppListWithoutStore(t *testing.T) {
	e := newEnv(t, func(s *ws.Server) { s.AppStatus, s.Alerts = nil, nil })
	c, _ := e.authed(t)
	rows, err := c.AppList(e.ctx, &protocol.AppListing{Rows: []keyrelay.AppListRow{{AppName: "a"}, {AppName: "b"}, {AppName: "c"}}})
	if err != nil || rows != 3 {
		t.Fatalf("AppList = %d, %v; want 3 acknowledged", rows, err)
	}
	st, err := c.Status(e.ctx)
	if err != nil || st.Alerts == nil || len(st.Alerts) != 0 {
		t.Fatalf("Status = %+v, %v; want an empty alert list", st, err)
	}
}

func TestLoginURL(t *testing.T) {
	e := newEnv(t)
	c, _ := e.authed(t)
	raw, err := c.LoginURL(e.ctx)
	if err != nil {
		t.Fatalf("LoginURL: %v", err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.Scheme+"://"+u.Host+u.Path, "http://127.0.0.1:"+itoa(e.port)+"/login"; got != want {
		t.Errorf("login url = %s, want %s?token=…", got, want)
	}
	sessions := sqlite.NewSessionService(e.db)
	if _, _, err := sessions.RedeemLoginToken(e.ctx, u.Query().Get("token")); err != nil {
		t.Errorf("the token does not redeem: %v", err)
	}
}

// TestDeliveryPush: a delivery is pushed only to the browser whose capture
// it is, and each browser's status carries only its own shops' alerts and
// never another browser's 要対応 (the agency case).
func TestDeliveryPush(t *testing.T) {
	var alerts fixedAlerts
	e := newEnv(t)
	// Set before the first connection, which is what reads them.
	e.srv.Alerts = &alerts
	e.srv.PairingShops = sqlite.NewPairingShopService(e.db)
	a, credA := e.authed(t)
	b, credB := e.authed(t)
	unauthed := e.dial(t, chromeOrigin)

	capA, capB := newCapture(testKey), newCapture("SL654321_Zy9xW8vU7tS6rQ5p")
	capB.Shop = keyrelay.ShopRef{ID: "654321", Name: "別の店"}
	if _, err := a.Capture(e.ctx, capA); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Capture(e.ctx, capB); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	// A's event first: were it sent to B too, B would see it before its own.
	e.srv.DeliveryChanged(keyrelay.DeliveryEvent{CaptureUUID: capA.CaptureID, Destination: "goq",
		Status: keyrelay.DeliveryNeedsAttention, Detail: "…", DetailEn: "…", At: at})
	e.srv.DeliveryChanged(keyrelay.DeliveryEvent{CaptureUUID: capB.CaptureID, Destination: "goq",
		Status: keyrelay.DeliveryDelivered, Detail: "GoQSystemに保存し、確認しました。", DetailEn: "Saved to GoQSystem and verified.", At: at})
	if d := nextEvent(t, a, protocol.TypeDelivery).(*protocol.Delivery); d.CaptureID != capA.CaptureID || d.Status != "needs_attention" {
		t.Errorf("A got %+v, want its own capture's needs_attention", d)
	}
	d := nextEvent(t, b, protocol.TypeDelivery).(*protocol.Delivery)
	if got, want := d.CaptureID+" "+d.Status+" "+d.Destination+" "+d.At, capB.CaptureID+" delivered goq 2026-11-27T03:00:00Z"; got != want {
		t.Errorf("B's first delivery = %q, want %q (its own)", got, want)
	}
	// The same order argument for the unauthenticated socket: a push would
	// have been read (and queued as an event) before the pong answering a
	// ping sent after the pushes.
	if _, err := unauthed.Request(e.ctx, &protocol.Ping{T: 1}); err != nil {
		t.Fatal(err)
	}
	// A round trip instead of a wait: the push was queued (or not) before
	// DeliveryChanged returned, and each connection's frames leave in order,
	// so once this request is answered any push would already be in Events.
	var se *wsclient.ServerError
	if _, err := unauthed.Request(e.ctx, &protocol.StatusRequest{}); !errors.As(err, &se) || se.Code != protocol.CodeNotAuthenticated {
		t.Fatalf("status before auth: %v, want the helper's not_authenticated", err)
	}
	select {
	case m := <-unauthed.Events():
		t.Errorf("unauthenticated connection got a push: %s", m.MsgType())
	default:
	}

	// GoQ's own words and the login reach the extension as they are.
	const quote = `ライセンスキーが正しくありません <E-17>`
	e.srv.DeliveryChanged(keyrelay.DeliveryEvent{CaptureUUID: capA.CaptureID, Destination: "goq",
		Status: keyrelay.DeliveryNeedsAttention, Detail: "x", DetailEn: "x", Quote: quote, LoginID: "fuji-goq", At: at})
	d = nextEvent(t, a, protocol.TypeDelivery).(*protocol.Delivery)
	if d.Quote != quote || d.LoginID != "fuji-goq" {
		t.Errorf("delivery push: quote %q login %q", d.Quote, d.LoginID)
	}

	alerts.set([]keyrelay.Alert{
		{Kind: keyrelay.AlertNeedsAttention, ShopName: "サンプル店", ShopKey: "id:123456", ClientID: credA.ClientID},
		{Kind: keyrelay.AlertNeedsAttention, ShopName: "サンプル店", ShopKey: "id:123456", ClientID: credB.ClientID},
		{Kind: keyrelay.AlertExpiring, ShopName: "サンプル店", ShopKey: "id:123456"},
		{Kind: keyrelay.AlertUpdatePending, ShopName: "別の店", ShopKey: "id:654321"},
	})
	for _, tc := range []struct {
		c    *wsclient.Client
		want string
	}{{a, "needs_attention サンプル店, expiring サンプル店"}, {b, "update_pending 別の店"}} {
		st, err := tc.c.Status(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, al := range st.Alerts {
			got = append(got, al.Kind+" "+al.ShopName)
		}
		if strings.Join(got, ", ") != tc.want {
			t.Errorf("alerts %q, want %q", strings.Join(got, ", "), tc.want)
		}
	}
}

type fixedAlerts struct {
	mu sync.Mutex
	a  []keyrelay.Alert
}

func (f *fixedAlerts) set(a []keyrelay.Alert) { f.mu.Lock(); f.a = a; f.mu.Unlock() }
func (f *fixedAlerts) Alerts(context.Context, time.Time) ([]keyrelay.Alert, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]keyrelay.Alert(nil), f.a...), nil
}

func nextEvent(t *testing.T, c *wsclient.Client, typ string) protocol.Message {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case m := <-c.Events():
			if m.MsgType() == typ {
				return m
			}
		case <-timeout:
			t.Fatalf("no %s pushed", typ)
			return nil
		}
	}
}

// A capture whose shop has no GoQ login is followed, right after its ack, by
// a delivery push saying it waits for one: from the rows the capture's own
// transaction wrote, and for a resend from the rows read back.
func TestWaitingLoginPushedAfterAck(t *testing.T) {
	e := newEnv(t)
	e.srv.Deliveries = sqlite.NewDeliveryService(e.db)
	c, _ := e.authed(t)
	capture := newCapture(testKey)
	for _, resend := range []bool{false, true} {
		ack, err := c.Capture(e.ctx, capture)
		if err != nil {
			t.Fatal(err)
		}
		if ack.Duplicate != resend {
			t.Fatalf("resend %v: ack %+v", resend, ack)
		}
		d := nextEvent(t, c, protocol.TypeDelivery).(*protocol.Delivery)
		if d.CaptureID != capture.CaptureID || d.Status != keyrelay.DeliveryWaitingLogin || d.Destination != "goq" || d.DetailEn == "" || d.At == "" {
			t.Fatalf("resend %v: pushed %+v, want goq waiting_login for %s", resend, d, capture.CaptureID)
		}
	}
}
