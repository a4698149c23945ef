package ws

import (
	"fmt"
	"github.com/gorilla/websocket"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
)

// authBegin answers with the server's proof first: the client checks it
// before it sends anything that matters.
func (c *conn) authBegin(m *protocol.AuthBegin) {
	s, ref := c.s, m.ID
	if c.state != stateNew {
		c.authFailed(ref, "auth_begin out of order")
		return
	}
	ctx, cancel := c.ctx()
	defer cancel()
	ps, err := s.Pairings.FindPairings(ctx, keyrelay.PairingFilter{ClientID: m.ClientID})
	if err != nil {
		c.storeFailed(ref, "find pairing", protocol.CodeInternal, err, "")
		return
	}
	approved, pending := false, false
	for _, p := range ps {
		approved = approved || p.Status == keyrelay.PairingApproved
		pending = pending || (p.Status == keyrelay.PairingPending && s.now().Before(p.ExpiresAt))
	}
	switch {
	case !approved && pending:
		c.refuseAuth(protocol.NewError(protocol.CodePairingPending, ref,
			"ペアリングがまだ承認されていません。ヘルパーでコードを確認して承認してください。",
			"The pairing is not approved yet. Compare the code and approve it in the helper."), "pairing not approved yet")
		return
	case !approved:
		c.refuseAuth(protocol.NewError(protocol.CodeUnknownClient, ref,
			"このクライアントはペアリングされていません。もう一度ペアリングしてください。",
			"This client is not paired. Pair again."), "unknown or revoked client")
		return
	}
	secret, err := s.Pairings.PairingSecret(ctx, m.ClientID)
	if err != nil {
		if keyrelay.ErrorCode(err) == keyrelay.ENOTFOUND {
			c.refuseAuth(protocol.NewError(protocol.CodeUnknownClient, ref,
				"このクライアントはペアリングされていません。もう一度ペアリングしてください。",
				"This client is not paired. Pair again."), "no secret for client")
			return
		}
		c.storeFailed(ref, "pairing secret", protocol.CodeInternal, err, "")
		return
	}
	if !s.nonces.add(m.ClientNonce, s.now()) {
		s.audit(keyrelay.AuditAuthFailed, c.remote, c.origin, m.ClientID, "nonce_reused: replayed client nonce")
		c.send(protocol.NewError(protocol.CodeNonceReused, ref,
			"認証の使い捨て値が再利用されました。接続を切ります。", "The client nonce was already used; closing.").Reply())
		c.closeWith(websocket.ClosePolicyViolation, "nonce reused")
		return
	}
	c.mu.Lock()
	c.clientID = m.ClientID
	c.mu.Unlock()
	c.clientNonce, c.secret, c.state = m.ClientNonce, secret, stateChallenged
	c.send(&protocol.AuthChallenge{Header: protocol.Header{Ref: ref},
		ServerProof: protocol.ServerProof(secret, m.ClientID, m.ClientNonce, c.serverNonce)})
}

func (c *conn) auth(m *protocol.Auth) {
	s, ref := c.s, m.ID
	if c.state != stateChallenged {
		c.authFailed(ref, "auth out of order")
		return
	}
	want := protocol.ClientProof(c.secret, c.clientID, c.serverNonce, c.clientNonce)
	clear(c.secret)
	c.secret = nil
	if !protocol.ProofEqual(want, m.ClientProof) {
		c.authFailed(ref, "wrong client proof")
		return
	}
	ctx, cancel := c.ctx()
	defer cancel()
	// The first authentication spends the claim token (PROTOCOL.md §2):
	// without that write the helper does not authenticate, and the client
	// retries on a new connection.
	if err := s.Pairings.TouchPairing(ctx, c.clientID); err != nil {
		s.log.Error("touch pairing", "client_id", c.clientID, "err", err)
		ja, en := keyrelay.ErrorMessage(fmt.Errorf("touch pairing: %w", err))
		c.send(protocol.NewError(protocol.CodeInternal, ref, ja, en).Reply())
		c.closeWith(websocket.CloseInternalServerErr, "cannot record authentication")
		return
	}
	victim, ok := s.promote(c)
	if !ok { // evicted while authenticating: its close frame is on the way
		return
	}
	s.evict(victim, "oldest authenticated connection, evicted to admit a newer one")
	c.state = stateAuthed
	c.authed.Store(true)
	s.audit(keyrelay.AuditAuthOK, c.remote, c.origin, c.clientID, "authenticated")
	c.send(&protocol.AuthOK{Header: protocol.Header{Ref: ref}, ClientID: c.clientID, PingIntervalMS: s.lim.PingInterval.Milliseconds()})
	c.goqReady()
}

// authFailed refuses with auth_failed and closes with 1008.
func (c *conn) authFailed(ref, reason string) {
	c.s.audit(keyrelay.AuditAuthFailed, c.remote, c.origin, c.id(), "auth_failed: "+reason)
	c.send(protocol.NewError(protocol.CodeAuthFailed, ref,
		"認証に失敗しました。拡張機能のペアリングをやり直してください。",
		"Authentication failed. Pair the extension again.").Reply())
	c.closeWith(websocket.ClosePolicyViolation, "authentication failed")
}

func (c *conn) refuseAuth(e *protocol.Error, reason string) {
	c.s.audit(keyrelay.AuditAuthFailed, c.remote, c.origin, "", e.Code+": "+reason)
	c.send(e.Reply())
}

func (c *conn) id() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.clientID
}
