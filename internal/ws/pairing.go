package ws

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"runtime/debug"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
)

func (c *conn) pairRequest(m *protocol.PairRequest) {
	s, ref := c.s, m.ID
	// Per connection first, so one connection's flood spends none of the
	// tokens the others share; a second request while one is pending is
	// refused before it reaches the shared bucket.
	now := s.now()
	if !c.pairs.Allow(now) {
		c.refusePairRate(ref)
		return
	}
	c.mu.Lock()
	busy := c.watching
	c.mu.Unlock()
	if busy {
		c.refuse(protocol.NewError(protocol.CodeBadMessage, ref,
			"この接続ではすでにペアリングを申請中です。", "A pairing request is already pending on this connection."), keyrelay.AuditMessageRefused)
		return
	}
	if !s.pairs.Allow(now) {
		c.refusePairRate(ref)
		return
	}
	name := c.defaultName(m.ClientName, now)
	token := protocol.NewNonce()
	var p *keyrelay.Pairing
	var err error
	for range 3 { // a code may collide with another pending one
		p = &keyrelay.Pairing{
			ClientID: newClientID(), Name: name, Origin: c.origin, Code: newCode(),
			Status: keyrelay.PairingPending, CreatedAt: now, ExpiresAt: now.Add(keyrelay.PendingPairingTTL),
		}
		ctx, cancel := c.ctx()
		err = s.Pairings.CreatePairing(ctx, p, token)
		cancel()
		if keyrelay.ErrorCode(err) != keyrelay.ECONFLICT {
			break
		}
	}
	if err != nil {
		c.storeFailed(ref, "create pairing", protocol.CodeBadMessage, err, "")
		return
	}
	s.audit(keyrelay.AuditPairRequested, c.remote, c.origin, p.ClientID, fmt.Sprintf("code %s, name %s", p.Code, quote(name)))
	c.send(&protocol.PairPending{Header: protocol.Header{Ref: ref}, ClientID: p.ClientID, Code: p.Code,
		ClaimToken: token, ExpiresAt: p.ExpiresAt.UTC().Format(time.RFC3339)})
	c.watch(p.ClientID, token, p.ExpiresAt)
}

func (c *conn) refusePairRate(ref string) {
	c.refuse(protocol.NewError(protocol.CodeRateLimited, ref,
		"ペアリング要求が多すぎます。1分ほど待ってからもう一度お試しください。",
		"Too many pairing requests; wait a minute and try again."), keyrelay.AuditRateLimited)
}

func (c *conn) pairClaim(m *protocol.PairClaim) {
	s, ref := c.s, m.ID
	ctx, cancel := c.ctx()
	defer cancel()
	ps, err := s.Pairings.FindPairings(ctx, keyrelay.PairingFilter{ClientID: m.ClientID})
	if err != nil {
		c.storeFailed(ref, "find pairing", protocol.CodeInternal, err, "")
		return
	}
	if len(ps) == 0 {
		c.refuse(rejected(ref), keyrelay.AuditMessageRefused)
		return
	}
	p := ps[0]
	switch {
	case p.Status == keyrelay.PairingPending && s.now().Before(p.ExpiresAt):
		c.send(&protocol.PairPending{Header: protocol.Header{Ref: ref}, ClientID: p.ClientID, Code: p.Code,
			ExpiresAt: p.ExpiresAt.UTC().Format(time.RFC3339)})
		c.mu.Lock()
		busy := c.watching
		c.mu.Unlock()
		if !busy {
			c.watch(p.ClientID, m.ClaimToken, p.ExpiresAt)
		}
	case p.Status == keyrelay.PairingApproved:
		c.claim(ref, p, m.ClaimToken)
	default:
		c.refuse(rejected(ref), keyrelay.AuditMessageRefused)
	}
}

// claim hands an approved pairing's secret to the holder of its claim token.
// It runs on the read loop or the watcher; both only send.
func (c *conn) claim(ref string, p *keyrelay.Pairing, token string) bool {
	s := c.s
	ctx, cancel := c.ctx()
	defer cancel()
	secret, err := s.Pairings.ClaimSecret(ctx, p.ClientID, token)
	if err != nil {
		if code := keyrelay.ErrorCode(err); code == keyrelay.EINTERNAL || code == keyrelay.EUNAVAILABLE {
			c.storeFailed(ref, "claim pairing secret", protocol.CodeInternal, err, "")
			return false
		}
		c.refuse(rejected(ref), keyrelay.AuditMessageRefused)
		return false
	}
	c.mu.Lock()
	if p.Origin == c.origin {
		c.pairOnly = false // this origin is now an approved one
	}
	c.mu.Unlock()
	c.setDeadline(s.now().Add(s.lim.AuthTimeout))
	c.send(&protocol.PairApproved{Header: protocol.Header{Ref: ref}, ClientID: p.ClientID, Secret: protocol.EncodeB64(secret)})
	s.log.Info("pairing secret delivered", "client_id", p.ClientID, "remote", c.remote)
	return true
}

// watch polls a pending pairing so that an approval made elsewhere (the CLI
// is another process) reaches this connection within about a second.
func (c *conn) watch(clientID, token string, expires time.Time) {
	s := c.s
	c.mu.Lock()
	c.watching = true
	c.mu.Unlock()
	c.setDeadline(expires.Add(5 * time.Second))
	s.wg.Add(1) // the read loop is running, so the group is not at zero
	go func() {
		defer s.wg.Done()
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("panic in pairing watcher", "stack", string(debug.Stack()))
			}
		}()
		defer func() {
			c.mu.Lock()
			c.watching = false
			c.mu.Unlock()
		}()
		t := time.NewTicker(s.lim.PairPoll)
		defer t.Stop()
		for {
			select {
			case <-c.readerDone:
				return
			case <-s.baseCtx.Done():
				return
			case <-t.C:
			}
			ctx, cancel := c.ctx()
			ps, err := s.Pairings.FindPairings(ctx, keyrelay.PairingFilter{ClientID: clientID})
			cancel()
			if err != nil {
				s.log.Error("poll pairing", "client_id", clientID, "err", err)
				continue
			}
			switch {
			case len(ps) == 0:
			case ps[0].Status == keyrelay.PairingApproved:
				c.claim("", ps[0], token)
				return
			case ps[0].Status == keyrelay.PairingPending && s.now().Before(ps[0].ExpiresAt):
				continue
			}
			c.send(rejected("").Reply())
			c.setDeadline(s.now().Add(s.lim.AuthTimeout))
			return
		}
	}()
}

// defaultName is what a new pairing is called until the operator renames
// it: what the browser calls itself, and when it paired, so that an
// agency's two "Chrome / Linux" differ; a name still taken gets a number.
func (c *conn) defaultName(client string, now time.Time) string {
	client = keyrelay.CleanClientName(client)
	if client == "" {
		client = "不明なブラウザ (unknown browser)"
	}
	base := client + "（" + keyrelay.FormatDateTime(now) + " ペアリング）"
	ctx, cancel := c.ctx()
	defer cancel()
	ps, err := c.s.Pairings.FindPairings(ctx, keyrelay.PairingFilter{})
	if err != nil {
		return base // a duplicate name is a nuisance, not a reason to refuse
	}
	taken := map[string]bool{}
	for _, p := range ps {
		taken[p.Name] = true
	}
	name := base
	for i := 2; taken[name]; i++ {
		name = fmt.Sprintf("%s #%d", base, i)
	}
	return name
}

func rejected(ref string) *protocol.Error {
	return protocol.NewError(protocol.CodePairingRejected, ref,
		"ペアリングが拒否されたか、期限切れか、すでに受け取り済みです。もう一度ペアリングしてください。",
		"The pairing was revoked, expired or already claimed. Pair again.")
}

func newClientID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "c_" + hex.EncodeToString(b)
}

func newCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	return fmt.Sprintf("%06d", n.Int64())
}
