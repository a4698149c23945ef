package ws

import (
	"context"
	"strconv"
	"sync"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
)

// GoQ tasks (browser-mode delivery): the outbox hands a key to the
// connection of the pairing that captured it and waits for its goq_result.
// A result counts only from a connection of that same pairing and only for
// a task that is waiting; anything else is dropped.

var _ keyrelay.BrowserRelay = (*Server)(nil)

// goqTasks are the tasks waiting for a result, by task id.
type goqTasks struct {
	mu      sync.Mutex
	waiting map[string]*goqWait
}

type goqWait struct {
	clientID string
	ch       chan keyrelay.GoQTaskResult // buffered 1
}

// BrowserConnected reports whether clientID has an authenticated connection.
func (s *Server) BrowserConnected(clientID string) bool {
	return s.browserConn(clientID) != nil
}

// browserConn is clientID's newest authenticated connection, or nil.
func (s *Server) browserConn(clientID string) *conn {
	s.init()
	if clientID == "" {
		return nil
	}
	type cand struct {
		c   *conn
		seq uint64
	}
	var cands []cand
	s.mu.Lock()
	for c := range s.conns {
		cands = append(cands, cand{c, c.seq})
	}
	s.mu.Unlock()
	var best *conn
	var bestSeq uint64
	for _, k := range cands {
		// c.id() takes c.mu, so it is read outside s.mu.
		if k.c.authed.Load() && !k.c.closing.Load() && k.c.id() == clientID && (best == nil || k.seq > bestSeq) {
			best, bestSeq = k.c, k.seq
		}
	}
	return best
}

// RunGoQTask sends t to clientID's connection and waits for its result.
func (s *Server) RunGoQTask(ctx context.Context, clientID string, t keyrelay.GoQTask) (keyrelay.GoQTaskResult, error) {
	c := s.browserConn(clientID)
	if c == nil {
		return keyrelay.GoQTaskResult{}, keyrelay.ErrBrowserNotConnected
	}
	w := &goqWait{clientID: clientID, ch: make(chan keyrelay.GoQTaskResult, 1)}
	s.goq.mu.Lock()
	if s.goq.waiting == nil {
		s.goq.waiting = map[string]*goqWait{}
	}
	s.goq.waiting[t.ID] = w
	s.goq.mu.Unlock()
	defer func() {
		s.goq.mu.Lock()
		if s.goq.waiting[t.ID] == w {
			delete(s.goq.waiting, t.ID)
		}
		s.goq.mu.Unlock()
	}()
	c.send(&protocol.GoQTask{TaskID: t.ID, Shop: t.ShopKey, ShopName: t.ShopName, Key: t.Key, KeyLast4: t.KeyLast4,
		BaseURL: t.BaseURL, SettingsPath: t.SettingsPath, Account: t.Account, CaptureID: t.CaptureUUID})
	select {
	case r := <-w.ch:
		return r, nil
	case <-c.readerDone:
		return keyrelay.GoQTaskResult{}, keyrelay.ErrBrowserGone
	case <-ctx.Done():
		return keyrelay.GoQTaskResult{}, ctx.Err()
	}
}

// goqResult hands a goq_result to the task waiting for it.
func (c *conn) goqResult(m *protocol.GoQResult) {
	s := c.s
	s.goq.mu.Lock()
	w := s.goq.waiting[m.TaskID]
	if w != nil && w.clientID == c.id() {
		delete(s.goq.waiting, m.TaskID)
	} else {
		w = nil
	}
	s.goq.mu.Unlock()
	if w == nil {
		// A late or foreign result: the task was re-sent, finished, or is
		// another browser's. Never applied.
		s.log.Info("goq_result for no waiting task of this browser, dropped", "task_id", m.TaskID, "client_id", c.id())
		// A late result (the helper stopped waiting): the delivery waits for
		// this browser; wake it, and the re-sent task reads GoQ first.
		c.goqReady()
		return
	}
	w.ch <- keyrelay.GoQTaskResult{Outcome: m.Outcome, Account: m.Account, Quote: m.Quote, Message: m.Message, Posted: m.Posted}
}

// goqReady: the browser's GoQ tab is usable again (or the browser just
// authenticated); its waiting deliveries may go.
func (c *conn) goqReady() {
	if f := c.s.OnBrowserReady; f != nil {
		go f(c.id())
	}
}

// goqMode is the popup's 「ブラウザのGoQタブで反映する」 for the shop of one of
// this browser's captures.
func (c *conn) goqMode(m *protocol.GoQModeRequest) {
	s, ref := c.s, m.ID
	if s.SetBrowserMode == nil {
		c.send(protocol.NewError(protocol.CodeInternal, ref, "このヘルパーではブラウザでの反映を設定できません。",
			"This helper cannot set browser delivery.").Reply())
		return
	}
	ctx, cancel := c.ctx()
	defer cancel()
	key, ok := c.ownCaptureShop(ctx, ref, m.CaptureID)
	if !ok {
		return
	}
	if err := s.SetBrowserMode(ctx, key); err != nil {
		c.storeFailed(ref, "set browser mode", protocol.CodeBadMessage, err, "")
		return
	}
	s.audit(keyrelay.AuditSettingsSaved, c.remote, c.origin, c.id(), "GoQ delivery mode of shop "+key+" set to browser from the extension")
	c.send(&protocol.GoQModeReply{Header: protocol.Header{Ref: ref}, Shop: key, Mode: keyrelay.DeliveryModeBrowser})
}

// goqAccount is the popup's confirmation of the GoQ account the tab shows,
// for the shop of one of this browser's captures.
func (c *conn) goqAccount(m *protocol.GoQAccountRequest) {
	s, ref := c.s, m.ID
	if s.ConfirmBrowserAccount == nil {
		c.send(protocol.NewError(protocol.CodeInternal, ref, "このヘルパーではGoQアカウントを確認できません。",
			"This helper cannot confirm a GoQ account.").Reply())
		return
	}
	ctx, cancel := c.ctx()
	defer cancel()
	key, ok := c.ownCaptureShop(ctx, ref, m.CaptureID)
	if !ok {
		return
	}
	account := keyrelay.NormGoQAccount(m.Account)
	if err := s.ConfirmBrowserAccount(ctx, key, account); err != nil {
		c.storeFailed(ref, "confirm GoQ account", protocol.CodeBadMessage, err, "")
		return
	}
	s.audit(keyrelay.AuditSettingsSaved, c.remote, c.origin, c.id(), "GoQ account of shop "+key+" confirmed as "+strconv.Quote(account)+" from the extension")
	c.send(&protocol.GoQAccountReply{Header: protocol.Header{Ref: ref}, Shop: key, Account: account})
}

// ownCaptureShop is the shop key of capture uuid when this browser made it.
// Otherwise it refuses the request (a browser may change settings only for
// the shops of its own captures) and reports false.
func (c *conn) ownCaptureShop(ctx context.Context, ref, uuid string) (string, bool) {
	cp, err := c.s.Captures.FindCaptureByUUID(ctx, uuid)
	if err != nil || cp.ClientID != c.id() {
		c.refuse(protocol.NewError(protocol.CodeBadMessage, ref, "このブラウザで取得したキーではありません。",
			"That key was not captured by this browser."), keyrelay.AuditMessageRefused)
		return "", false
	}
	return cp.Shop.Key(), true
}
