// Package wsclient is the extension's side of the WebSocket protocol in Go,
// following docs/PROTOCOL.md as extension/background.js does: it checks the
// server is keyrelay, verifies the server's proof before sending anything
// that matters, and answers pings. Tests, benchmarks and end-to-end runs use
// it to stand in for the browser.
package wsclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"keyrelay/internal/protocol"
)

var (
	// ErrNotKeyrelay: the server did not greet with hello.app == "keyrelay".
	ErrNotKeyrelay = errors.New("wsclient: the server is not keyrelay (no keyrelay hello); nothing was sent")
	// ErrServerProof: the server could not prove it holds the pairing secret.
	// The client closed the socket without sending anything more.
	ErrServerProof = errors.New("wsclient: the server could not prove it holds the pairing secret; connection closed, nothing sent")
	// ErrNotAuthenticated: an authenticated request before Auth succeeded.
	ErrNotAuthenticated = errors.New("wsclient: not authenticated; nothing was sent")
	// ErrClosed: the connection is gone.
	ErrClosed = errors.New("wsclient: connection closed")
)

// ServerError is an error message from the helper.
type ServerError struct {
	Code      string
	Message   string
	MessageEn string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("wsclient: helper refused (%s): %s", e.Code, e.MessageEn)
}

// HandshakeError is a refused upgrade; Status is the HTTP status (403, 429,
// 503, …), 0 when there was no HTTP answer.
type HandshakeError struct {
	Status int
	Err    error
}

func (e *HandshakeError) Error() string {
	return fmt.Sprintf("wsclient: handshake refused (HTTP %d): %v", e.Status, e.Err)
}

func (e *HandshakeError) Unwrap() error { return e.Err }

// Options tune Dial; the zero value is fine.
type Options struct {
	Header           http.Header   // extra request headers
	HandshakeTimeout time.Duration // default 10 s, also bounds waiting for hello
}

// Credentials are what a pairing yields; the extension keeps them in
// chrome.storage.local.
type Credentials struct {
	ClientID string
	Secret   []byte
}

// Client is one connection to the helper.
type Client struct {
	ws    *websocket.Conn
	hello protocol.Hello

	wmu    sync.Mutex // one writer at a time
	mu     sync.Mutex
	nextID int
	wait   map[string]chan protocol.Message
	authed bool
	dead   bool // the server failed its proof: never write again

	pairCh  chan protocol.Message // pushed pair_approved / pairing errors
	events  chan protocol.Message // pushed delivery and status
	done    chan struct{}
	readErr error
}

// Dial connects, reads hello and checks the server is keyrelay speaking v1.
func Dial(ctx context.Context, url, origin string, opts *Options) (*Client, error) {
	if opts == nil {
		opts = &Options{}
	}
	timeout := opts.HandshakeTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	h := http.Header{}
	for k, v := range opts.Header {
		h[k] = v
	}
	if origin != "" {
		h.Set("Origin", origin)
	}
	d := websocket.Dialer{HandshakeTimeout: timeout}
	ws, resp, err := d.DialContext(ctx, url, h)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
			resp.Body.Close()
		}
		return nil, &HandshakeError{Status: status, Err: err}
	}
	ws.SetReadLimit(protocol.MaxFrame * 4)
	ws.SetReadDeadline(time.Now().Add(timeout))
	_, data, err := ws.ReadMessage()
	if err != nil {
		ws.Close()
		return nil, fmt.Errorf("wsclient: waiting for hello: %w", err)
	}
	m, err := protocol.DecodeServer(data)
	hello, ok := m.(*protocol.Hello)
	if err != nil || !ok || hello.App != protocol.App {
		ws.Close()
		return nil, ErrNotKeyrelay
	}
	ws.SetReadDeadline(time.Time{})
	c := &Client{
		ws: ws, hello: *hello,
		wait:   map[string]chan protocol.Message{},
		pairCh: make(chan protocol.Message, 4),
		events: make(chan protocol.Message, 64),
		done:   make(chan struct{}),
	}
	go c.readLoop()
	return c, nil
}

// Hello is the server's greeting.
func (c *Client) Hello() protocol.Hello { return c.hello }

// Events delivers pushed delivery and status messages, and error messages
// that answer no pending request (e.g. to a frame sent with WriteRaw). It is
// buffered; pushes that find it full are dropped.
func (c *Client) Events() <-chan protocol.Message { return c.events }

// Done is closed when the connection ends; Err then says why.
func (c *Client) Done() <-chan struct{} { return c.done }

func (c *Client) Err() error {
	select {
	case <-c.done:
		return c.readErr
	default:
		return nil
	}
}

// Close closes the connection with 1000.
func (c *Client) Close() error {
	c.wmu.Lock()
	c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	c.wmu.Unlock()
	select {
	case <-c.done:
	case <-time.After(2 * time.Second):
	}
	return c.ws.Close()
}

func (c *Client) readLoop() {
	defer close(c.done)
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			c.mu.Lock()
			c.readErr = err
			c.mu.Unlock()
			return
		}
		m, err := protocol.DecodeServer(data)
		if err != nil {
			continue // a newer helper's message this client does not know
		}
		h := m.Head()
		if p, ok := m.(*protocol.Ping); ok {
			c.write(&protocol.Pong{Header: protocol.Header{Ref: p.ID}, T: p.T})
			continue
		}
		if h.Ref != "" {
			c.mu.Lock()
			ch := c.wait[h.Ref]
			delete(c.wait, h.Ref)
			c.mu.Unlock()
			if ch != nil {
				ch <- m
				continue
			}
		}
		switch m := m.(type) {
		case *protocol.PairApproved:
			c.push(c.pairCh, m)
		case *protocol.ErrorMsg:
			if m.Code == protocol.CodePairingRejected {
				c.push(c.pairCh, m)
			} else {
				c.push(c.events, m) // it answers no request of ours
			}
		case *protocol.Delivery, *protocol.StatusReply, *protocol.GoQTask:
			c.push(c.events, m)
		}
	}
}

func (c *Client) push(ch chan protocol.Message, m protocol.Message) {
	select {
	case ch <- m:
	default:
	}
}

func (c *Client) write(m protocol.Message) error {
	data, err := protocol.Encode(m)
	if err != nil {
		return err
	}
	return c.WriteRaw(data)
}

// WriteRaw sends one text frame as is. It exists for tests of the helper's
// handling of bad input; the extension never sends anything but messages.
func (c *Client) WriteRaw(data []byte) error {
	c.mu.Lock()
	dead := c.dead
	c.mu.Unlock()
	if dead {
		return ErrServerProof
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, data)
}

// Request sends m with a fresh id and waits for the reply carrying it as
// ref. An error reply becomes a *ServerError. It skips the client's own
// checks (authentication first): the methods below are what the extension
// does; Request is for tests of the helper.
func (c *Client) Request(ctx context.Context, m protocol.Message) (protocol.Message, error) {
	ch := make(chan protocol.Message, 1)
	c.mu.Lock()
	c.nextID++
	id := strconv.Itoa(c.nextID)
	c.wait[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.wait, id)
		c.mu.Unlock()
	}()
	m.Head().ID = id
	if err := c.write(m); err != nil {
		return nil, fmt.Errorf("wsclient: send %s: %w", m.MsgType(), err)
	}
	select {
	case r := <-ch:
		if e, ok := r.(*protocol.ErrorMsg); ok {
			return nil, &ServerError{Code: e.Code, Message: e.Message, MessageEn: e.MessageEn}
		}
		return r, nil
	case <-c.done:
		return nil, fmt.Errorf("%w: %v", ErrClosed, c.readErr)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// authedRequest refuses locally, sending nothing, unless Auth succeeded.
func (c *Client) authedRequest(ctx context.Context, m protocol.Message) (protocol.Message, error) {
	c.mu.Lock()
	ok := c.authed && !c.dead
	c.mu.Unlock()
	if !ok {
		return nil, ErrNotAuthenticated
	}
	return c.Request(ctx, m)
}

func unexpected(want string, got protocol.Message) error {
	return fmt.Errorf("wsclient: expected %s, got %s", want, got.MsgType())
}
