package ws

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
)

// handle dispatches one frame. Pairing messages are open to any admitted
// connection, auth to full-mode ones, the rest to authenticated ones.
func (c *conn) handle(data []byte) {
	msg, err := protocol.DecodeClient(data)
	if err != nil {
		c.refuse(err.(*protocol.Error), keyrelay.AuditMessageRefused)
		return
	}
	ref := msg.Head().ID
	switch m := msg.(type) {
	case *protocol.Ping:
		c.send(&protocol.Pong{Header: protocol.Header{Ref: ref}, T: m.T})
		return
	case *protocol.Pong:
		return
	case *protocol.PairRequest:
		c.pairRequest(m)
		return
	case *protocol.PairClaim:
		c.pairClaim(m)
		return
	}
	c.mu.Lock()
	pairOnly := c.pairOnly
	c.mu.Unlock()
	if pairOnly {
		c.refuse(protocol.NewError(protocol.CodePairingOnly, ref,
			"この拡張機能はまだペアリングされていません。ペアリングのメッセージだけを受け付けます。",
			"This extension is not paired yet; only pairing messages are accepted."), keyrelay.AuditMessageRefused)
		return
	}
	switch m := msg.(type) {
	case *protocol.AuthBegin:
		c.authBegin(m)
		return
	case *protocol.Auth:
		c.auth(m)
		return
	}
	if c.state != stateAuthed {
		c.refuse(protocol.NewError(protocol.CodeNotAuthenticated, ref,
			"認証が済んでいません。先に認証してください。", "Not authenticated: authenticate first."), keyrelay.AuditMessageRefused)
		return
	}
	switch m := msg.(type) {
	case *protocol.CaptureMsg:
		c.capture(m)
	case *protocol.AppList:
		c.appList(m)
	case *protocol.LoginURLRequest:
		c.loginURL(m)
	case *protocol.StatusRequest:
		c.status(m)
	case *protocol.GoQResult:
		c.goqResult(m)
	case *protocol.GoQReady:
		c.goqReady()
	case *protocol.GoQModeRequest:
		c.goqMode(m)
	case *protocol.GoQAccountRequest:
		c.goqAccount(m)
	}
}

func (c *conn) capture(m *protocol.CaptureMsg) {
	s, ref := c.s, m.ID
	if err := m.Capture.Validate(); err != nil {
		e := err.(*protocol.Error)
		e.Ref = ref
		c.refuse(e, keyrelay.AuditMessageRefused)
		return
	}
	ctx, cancel := c.ctx()
	defer cancel()
	key := m.Capture.Key
	// A pairing revoked while this connection was open must stop it here:
	// the store checks it inside the capture's own transaction.
	d := m.Capture.Domain(c.clientID, s.now())
	d.PairedOnly = true
	stored, created, err := s.Captures.CreateCapture(ctx, d)
	if keyrelay.ErrorCode(err) == keyrelay.EUNAUTHORIZED {
		c.pairingRevoked(ref)
		return
	} else if err != nil {
		c.storeFailed(ref, "store capture", protocol.CodeInvalidCapture, err, key)
		return
	}
	last4 := stored.KeyLast4
	if last4 == "" {
		last4 = keyrelay.KeyLast4(key)
	}
	// The capture's own transaction recorded that this browser works on the
	// shop (capture_clients): no second write before the ack.
	c.send(&protocol.CaptureAck{Header: protocol.Header{Ref: ref}, CaptureID: stored.UUID, StoredID: stored.ID, Duplicate: !created, KeyLast4: last4})
	c.sendDeliveries(stored, created)
	s.log.Info("capture stored", "stored_id", stored.ID, "capture_id", stored.UUID, "duplicate", !created,
		"shop", stored.Shop.Key(), "app", stored.AppName, "client_id", c.clientID)
}

// pairingRevoked refuses (and closes): the connection's pairing is no
// longer approved.
func (c *conn) pairingRevoked(ref string) {
	c.refuse(protocol.NewError(protocol.CodeUnknownClient, ref,
		"このペアリングは取り消されました。もう一度ペアリングしてください。",
		"This pairing was revoked. Pair again."), keyrelay.AuditAuthFailed)
	c.closeWith(1008, "pairing revoked")
}

// appList stores an アプリ一覧 visit row by row: a bad row is dropped or
// loses its expiry (keyrelay.CleanListing), the others are stored.
func (c *conn) appList(m *protocol.AppList) {
	s, ref := c.s, m.ID
	l := m.Listing.Domain(s.now())
	problems, err := keyrelay.CleanListing(l)
	if err != nil {
		c.storeFailed(ref, "app listing", protocol.CodeBadMessage, err, "")
		return
	}
	skipped := 0
	for _, p := range problems {
		if p.Dropped {
			skipped++
		}
		s.log.Info("app list row", "row", p.Row, "dropped", p.Dropped, "why", p.MessageEn, "client_id", c.clientID)
	}
	if s.AppStatus != nil {
		ctx, cancel := c.ctx()
		defer cancel()
		if err := s.AppStatus.RecordAppListing(ctx, l); err != nil {
			c.storeFailed(ref, "record app listing", protocol.CodeBadMessage, err, "")
			return
		}
	}
	c.touchShop(m.Listing.Shop.Key())
	c.send(&protocol.AppListAck{Header: protocol.Header{Ref: ref}, Rows: len(l.Rows), Skipped: skipped})
}

func (c *conn) loginURL(m *protocol.LoginURLRequest) {
	s, ref := c.s, m.ID
	if s.Sessions == nil {
		c.storeFailed(ref, "login url", protocol.CodeInternal, fmt.Errorf("no session service"), "")
		return
	}
	ctx, cancel := c.ctx()
	defer cancel()
	token, err := s.Sessions.CreateLoginToken(ctx)
	if err != nil {
		c.storeFailed(ref, "create login token", protocol.CodeInternal, err, "")
		return
	}
	base := s.BaseURL
	if base == "" {
		base = fmt.Sprintf("http://127.0.0.1:%d/", s.Port)
	}
	u := base + "login?token=" + url.QueryEscape(token)
	c.send(&protocol.LoginURLReply{Header: protocol.Header{Ref: ref}, URL: u})
}

func (c *conn) status(m *protocol.StatusRequest) {
	ctx, cancel := c.ctx()
	defer cancel()
	st, err := c.s.status(ctx, c.id())
	if err != nil {
		c.storeFailed(m.ID, "alerts", protocol.CodeInternal, err, "")
		return
	}
	st.Ref = m.ID
	c.send(st)
}

// sendDeliveries tells the browser right after the ack that its capture
// waits for a GoQ login: nothing else would (no attempt is made). A capture
// just created carries the rows its transaction wrote; a resend's are read.
func (c *conn) sendDeliveries(stored *keyrelay.Capture, created bool) {
	if c.s.Deliveries == nil {
		return
	}
	ds := stored.Deliveries
	if !created {
		ctx, cancel := c.ctx()
		defer cancel()
		var err error
		if ds, err = c.s.Deliveries.FindDeliveries(ctx, keyrelay.DeliveryFilter{CaptureID: stored.ID}); err != nil {
			c.s.log.Error("deliveries of a new capture", "capture_id", stored.UUID, "err", err)
			return
		}
	}
	for _, d := range ds {
		// Only this one: every other status is followed by the outbox's own
		// events, which a late copy of an older status must not overtake.
		if d.Status != keyrelay.DeliveryWaitingLogin {
			continue
		}
		ja, en := d.LastError, d.LastErrorEn
		if ja == "" {
			ja, en = "GoQSystemのログインが未登録のため、送信を待っています。", "Waiting: no GoQSystem login is set for this shop."
		}
		at := d.UpdatedAt
		if at.IsZero() {
			at = c.s.now()
		}
		c.send(&protocol.Delivery{CaptureID: stored.UUID, Destination: d.Destination, Status: d.Status,
			Detail: ja, DetailEn: en, At: at.UTC().Format(time.RFC3339)})
	}
}

// touchShop records that this browser works on the shop. A failure costs
// only an alert not shown to this browser, so it is logged, not answered.
func (c *conn) touchShop(shopKey string) {
	if c.s.PairingShops == nil {
		return
	}
	ctx, cancel := c.ctx()
	defer cancel()
	if err := c.s.PairingShops.TouchPairingShop(ctx, c.id(), shopKey); err != nil {
		c.s.log.Error("touch pairing shop", "client_id", c.id(), "err", err)
	}
}

// storeFailed answers a failed store call. An *keyrelay.Error of kind
// invalid is the client's problem and goes back as invalidCode with its
// messages; anything else is ours: logged once here, and the client gets
// the generic internal error. secret, when set, is scrubbed from the log.
func (c *conn) storeFailed(ref, op, invalidCode string, err error, secret string) {
	// EINVALID, and ECONFLICT (a capture_id reused with a different key),
	// are the client's to fix: a resend would fail the same way, so they
	// are refusals, not internal errors the extension would retry forever.
	if code := keyrelay.ErrorCode(err); code == keyrelay.EINVALID || code == keyrelay.ECONFLICT {
		ja, en := keyrelay.ErrorMessage(err)
		if secret != "" {
			ja, en = strings.ReplaceAll(ja, secret, "[key]"), strings.ReplaceAll(en, secret, "[key]")
		}
		c.refuse(protocol.NewError(invalidCode, ref, ja, en), keyrelay.AuditMessageRefused)
		return
	}
	msg := err.Error()
	if secret != "" {
		msg = strings.ReplaceAll(msg, secret, "[key]")
	}
	c.s.log.Error(op, "err", msg, "remote", c.remote, "client_id", c.id())
	ja, en := keyrelay.ErrorMessage(fmt.Errorf("internal"))
	if invalidCode == protocol.CodeInvalidCapture {
		ja, en = ja+"（キャプチャは保存されていません。もう一度送ってください）", en+" The capture was not stored; send it again."
	}
	c.send(protocol.NewError(protocol.CodeInternal, ref, ja, en).Reply())
}
