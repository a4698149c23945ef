package ws

import (
	"context"
	"encoding/json"
	"errors"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
	"keyrelay/internal/ratelimit"
)

// Authentication states, owned by the read loop.
const (
	stateNew        = iota
	stateChallenged // auth_challenge sent, waiting for auth
	stateAuthed
)

// conn is one extension connection. The read loop (the request's goroutine)
// handles messages in order; every write goes through out to the one writer
// goroutine.
type conn struct {
	s      *Server
	ws     *websocket.Conn
	remote string
	origin string

	out        chan outFrame
	readerDone chan struct{} // closed when the read loop has ended
	closeOnce  sync.Once
	closing    atomic.Bool // a close frame is queued: ignore further input
	authed     atomic.Bool // may receive pushes

	// Read-loop state.
	serverNonce string
	state       int
	clientID    string
	clientNonce string
	secret      []byte
	msgs        *ratelimit.Bucket
	pairs       *ratelimit.Bucket // this connection's pairing requests

	// Guarded by s.mu (budget.go).
	slot int
	seq  uint64

	// Shared with the pairing watcher.
	mu        sync.Mutex
	pairOnly  bool
	watching  bool      // a watcher polls a pending pairing for this connection
	deadline  time.Time // read deadline while not authenticated
	pingCount int
}

type outFrame struct {
	data      []byte
	closeCode int // non-zero: send a close frame instead
	closeText string
}

func (s *Server) newConn(wsc *websocket.Conn, remote, origin, mode string) *conn {
	return &conn{
		s: s, ws: wsc, remote: remote, origin: origin,
		out:         make(chan outFrame, 64),
		readerDone:  make(chan struct{}),
		serverNonce: protocol.NewNonce(),
		msgs:        ratelimit.New(s.lim.MessagesPerSecond, float64(s.lim.MessageBurst)),
		pairs:       ratelimit.New(s.lim.PairPerMinute/60, float64(s.lim.PairBurst)),
		pairOnly:    mode == protocol.ModePairOnly,
	}
}

// readLoop runs the connection until the client leaves, a deadline passes or
// the connection is closed, then tears it down.
func (c *conn) readLoop() {
	s := c.s
	defer func() {
		if v := recover(); v != nil {
			// A bug, not bad input: input is refused before it can panic. The
			// panic value is not logged: it could hold message content.
			s.log.Error("panic in connection handler", "remote", c.remote, "stack", string(debug.Stack()))
			c.closeWith(websocket.CloseInternalServerErr, "internal error")
		}
		c.authed.Store(false)
		close(c.readerDone)
		s.release(c)
		s.wg.Done()
	}()
	c.ws.SetReadLimit(protocol.MaxFrame)
	c.mu.Lock()
	c.deadline = s.now().Add(s.lim.AuthTimeout)
	c.ws.SetReadDeadline(c.deadline)
	mode := protocol.ModeFull
	if c.pairOnly {
		mode = protocol.ModePairOnly
	}
	c.mu.Unlock()
	c.send(&protocol.Hello{App: protocol.App, Version: keyrelay.Version, ServerNonce: c.serverNonce, Mode: mode})
	for {
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
			c.readFailed(err)
			return
		}
		if c.closing.Load() {
			continue // only the peer's close reply matters now
		}
		if mt != websocket.TextMessage {
			c.refuse(protocol.NewError(protocol.CodeBadJSON, "", "テキスト（JSON）のメッセージだけを受け付けます。", "Only text (JSON) frames are accepted."), keyrelay.AuditMessageRefused)
			continue
		}
		if !c.msgs.Allow(s.now()) {
			c.refuse(protocol.NewError(protocol.CodeRateLimited, refOf(data), "メッセージが多すぎます。少し待ってから送ってください。", "Too many messages; slow down."), keyrelay.AuditRateLimited)
			continue
		}
		c.handle(data)
		c.extendDeadline()
	}
}

// refOf is the id of a frame that will not be decoded in full.
func refOf(data []byte) string {
	var h struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(data, &h) != nil || len(h.ID) > protocol.MaxIDLen {
		return ""
	}
	return h.ID
}

func (c *conn) readFailed(err error) {
	s := c.s
	var ne interface{ Timeout() bool }
	switch {
	case errors.Is(err, websocket.ErrReadLimit):
		// gorilla has already sent close 1009.
		c.s.audit(keyrelay.AuditMessageRefused, c.remote, c.origin, c.clientID, "frame larger than 64 KiB; closed with 1009")
	case c.closing.Load():
	case errors.As(err, &ne) && ne.Timeout():
		if c.state == stateAuthed {
			s.log.Info("connection idle, closing", "remote", c.remote, "client_id", c.clientID)
			c.closeWith(websocket.CloseNormalClosure, "idle")
			return
		}
		c.s.audit(keyrelay.AuditAuthFailed, c.remote, c.origin, c.clientID, "no authentication before the deadline")
		c.closeWith(websocket.ClosePolicyViolation, "authentication timeout")
	case websocket.IsUnexpectedCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived):
		s.log.Debug("connection closed", "remote", c.remote, "err", err)
	}
}

// extendDeadline keeps an authenticated connection alive while it talks; an
// unauthenticated one keeps the deadline it got (talking does not buy time).
func (c *conn) extendDeadline() {
	if c.closing.Load() {
		return
	}
	if c.state == stateAuthed {
		c.ws.SetReadDeadline(c.s.now().Add(c.s.lim.IdleTimeout))
	} else {
		c.mu.Lock()
		c.ws.SetReadDeadline(c.deadline)
		c.mu.Unlock()
	}
	if c.closing.Load() { // closeWith raced us: keep its short deadline
		c.ws.SetReadDeadline(time.Now().Add(time.Second))
	}
}

// setDeadline moves the unauthenticated deadline (pairing wait, approval).
func (c *conn) setDeadline(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deadline = t
	if !c.closing.Load() && !c.authed.Load() {
		c.ws.SetReadDeadline(t)
	}
}

// writeLoop is the connection's only writer. It ends after the read loop,
// flushing what is queued (a final error and close frame) first.
func (c *conn) writeLoop() {
	s := c.s
	defer s.wg.Done()
	defer c.ws.Close()
	ping := time.NewTicker(s.lim.PingInterval)
	defer ping.Stop()
	broken := false
	for {
		select {
		case f := <-c.out:
			broken = c.write(f, broken)
		case <-ping.C:
			c.mu.Lock()
			c.pingCount++
			id := "s" + strconv.Itoa(c.pingCount)
			c.mu.Unlock()
			data, _ := protocol.Encode(&protocol.Ping{Header: protocol.Header{ID: id}, T: s.now().UnixMilli()})
			broken = c.write(outFrame{data: data}, broken)
		case <-c.readerDone:
			for {
				select {
				case f := <-c.out:
					broken = c.write(f, broken)
				default:
					return
				}
			}
		}
	}
}

// write sends one frame unless the connection is already broken or closed.
func (c *conn) write(f outFrame, broken bool) bool {
	if broken {
		return true
	}
	deadline := time.Now().Add(c.s.lim.WriteTimeout)
	if f.closeCode != 0 {
		c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(f.closeCode, f.closeText), deadline)
		// Wait briefly for the peer's close reply, then the read loop ends.
		c.ws.SetReadDeadline(time.Now().Add(time.Second))
		return true
	}
	c.ws.SetWriteDeadline(deadline)
	if err := c.ws.WriteMessage(websocket.TextMessage, f.data); err != nil {
		c.ws.Close() // unblocks the read loop
		return true
	}
	return false
}

func (c *conn) send(m protocol.Message) {
	data, err := protocol.Encode(m)
	if err != nil {
		c.s.log.Error("encode message", "type", m.MsgType(), "err", err)
		return
	}
	c.sendRaw(data)
}

// sendRaw queues a frame. A client that stops reading is cut off rather
// than buffered for without bound.
func (c *conn) sendRaw(data []byte) {
	if c.closing.Load() {
		return
	}
	select {
	case c.out <- outFrame{data: data}:
	case <-c.readerDone:
	default:
		c.s.log.Warn("client not reading, closing", "remote", c.remote)
		c.ws.Close()
	}
}

// closeWith queues a close frame; later frames are dropped.
func (c *conn) closeWith(code int, text string) {
	c.closeOnce.Do(func() {
		c.closing.Store(true)
		select {
		case c.out <- outFrame{closeCode: code, closeText: text}:
		default:
			c.ws.Close()
		}
	})
}

// refuse audits e and then answers with it (in that order, so a client that
// has its answer can rely on the audit row). The reason is the error's
// English text, which never quotes client input.
func (c *conn) refuse(e *protocol.Error, kind string) {
	c.s.audit(kind, c.remote, c.origin, c.id(), e.Code+": "+e.MessageEn)
	c.send(e.Reply())
}

func (c *conn) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.s.baseCtx, c.s.lim.CallTimeout)
}
