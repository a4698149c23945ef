package ws_test

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
	"keyrelay/internal/sqlite"
	"keyrelay/internal/ws"
	"keyrelay/internal/wsclient"
)

func TestHostRefused(t *testing.T) {
	e := newEnv(t)
	for _, host := range []string{"evil.example", "evil.example:" + itoa(e.port), "127.0.0.1:1", "localhost"} {
		t.Run(host, func(t *testing.T) {
			h := http.Header{"Origin": {chromeOrigin}}
			_, err := wsclient.Dial(e.ctx, e.url, "", &wsclient.Options{Header: withHost(h, host)})
			assertStatus(t, err, http.StatusForbidden)
		})
	}
	if !e.waitAudit(t, keyrelay.AuditHostRefused, "evil.example") {
		t.Error("host refusal not audited")
	}
}

func TestOriginRefused(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name   string
		origin []string
	}{
		{"web origin", []string{"https://evil.example"}},
		{"null", []string{"null"}},
		{"missing", nil},
		{"empty", []string{""}},
		{"other chrome extension", []string{"chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}},
		{"pinned id with a path", []string{chromeOrigin + "/x"}},
		{"pinned id upper case", []string{strings.ToUpper(chromeOrigin)}},
		{"localhost page", []string{"http://127.0.0.1:" + itoa(e.port)}},
		{"moz extension not a uuid", []string{"moz-extension://evil"}},
		{"two origins", []string{chromeOrigin, "https://evil.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.auditEvents(t))
			_, err := wsclient.Dial(e.ctx, e.url, "", &wsclient.Options{Header: http.Header{"Origin": tt.origin}})
			assertStatus(t, err, http.StatusForbidden)
			if got, want := len(e.auditEvents(t)), before+1; got != want {
				t.Errorf("audit events = %d, want %d", got, want)
			}
		})
	}
	if !e.waitAudit(t, keyrelay.AuditOriginRefused, "evil.example") {
		t.Error("origin refusal not audited with the origin")
	}
}

func TestOriginAllowed(t *testing.T) {
	const extra = "chrome-extension://bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	const moz = "moz-extension://0b6c5a4e-9d1f-4c2a-8e3b-5f6a7b8c9d0e"
	e := newEnv(t, func(s *ws.Server) { s.ExtraOrigins = []string{extra, "null", ""} })
	tests := []struct{ name, origin, wantMode string }{
		{"pinned extension id", chromeOrigin, protocol.ModeFull},
		{"extra origin", extra, protocol.ModeFull},
		{"unapproved firefox install", moz, protocol.ModePairOnly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.dial(t, tt.origin)
			if got := c.Hello(); got.Mode != tt.wantMode || got.App != "keyrelay" || got.V != 1 {
				t.Errorf("hello = %+v, want app keyrelay, v 1, mode %s", got, tt.wantMode)
			}
		})
	}
	t.Run("null in ExtraOrigins is ignored", func(t *testing.T) {
		_, err := wsclient.Dial(e.ctx, e.url, "null", nil)
		assertStatus(t, err, http.StatusForbidden)
	})
	t.Run("pairing only", func(t *testing.T) {
		c := e.dial(t, moz)
		_, err := c.Request(e.ctx, &protocol.StatusRequest{})
		assertServerError(t, err, protocol.CodePairingOnly)
		_, err = c.Request(e.ctx, &protocol.AuthBegin{ClientID: "c_x", ClientNonce: protocol.NewNonce()})
		assertServerError(t, err, protocol.CodePairingOnly)
		p, err := c.Pair(e.ctx, "Firefox")
		if err != nil {
			t.Fatalf("Pair from pairing-only: %v", err)
		}
		e.approve(t, p.Code)
		ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
		defer cancel()
		cr, err := p.Wait(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Auth(e.ctx, cr.ClientID, cr.Secret); err != nil {
			t.Fatalf("Auth after approval on the same connection: %v", err)
		}
		again := e.dial(t, moz)
		if got, want := again.Hello().Mode, protocol.ModeFull; got != want {
			t.Errorf("mode after approval = %q, want %q", got, want)
		}
	})
}

func TestAuthRefused(t *testing.T) {
	e := newEnv(t)
	cr := e.paired(t)
	t.Run("unpaired client", func(t *testing.T) {
		c := e.dial(t, chromeOrigin)
		err := c.Auth(e.ctx, "c_0000000000000000", make([]byte, 32))
		assertServerError(t, err, protocol.CodeUnknownClient)
		if !e.waitAudit(t, keyrelay.AuditAuthFailed, protocol.CodeUnknownClient) {
			t.Error("not audited")
		}
	})
	t.Run("wrong HMAC", func(t *testing.T) {
		c := e.dial(t, chromeOrigin)
		nonce := protocol.NewNonce()
		r, err := c.Request(e.ctx, &protocol.AuthBegin{ClientID: cr.ClientID, ClientNonce: nonce})
		if err != nil {
			t.Fatal(err)
		}
		ch := r.(*protocol.AuthChallenge)
		if !protocol.ProofEqual(ch.ServerProof, protocol.ServerProof(cr.Secret, cr.ClientID, nonce, c.Hello().ServerNonce)) {
			t.Fatal("the real helper's server proof does not verify")
		}
		wrong := protocol.ClientProof([]byte("not the secret"), cr.ClientID, c.Hello().ServerNonce, nonce)
		_, err = c.Request(e.ctx, &protocol.Auth{ClientProof: wrong})
		assertServerError(t, err, protocol.CodeAuthFailed)
		assertCloseCode(t, waitClosed(t, c), websocket.ClosePolicyViolation)
		if !e.waitAudit(t, keyrelay.AuditAuthFailed, "wrong client proof") {
			t.Error("not audited")
		}
	})
	t.Run("auth without auth_begin", func(t *testing.T) {
		c := e.dial(t, chromeOrigin)
		_, err := c.Request(e.ctx, &protocol.Auth{ClientProof: protocol.NewNonce()})
		assertServerError(t, err, protocol.CodeAuthFailed)
		assertCloseCode(t, waitClosed(t, c), websocket.ClosePolicyViolation)
	})
	t.Run("replayed nonce", func(t *testing.T) {
		nonce := protocol.NewNonce()
		first := e.dial(t, chromeOrigin)
		if _, err := first.Request(e.ctx, &protocol.AuthBegin{ClientID: cr.ClientID, ClientNonce: nonce}); err != nil {
			t.Fatal(err)
		}
		second := e.dial(t, chromeOrigin)
		_, err := second.Request(e.ctx, &protocol.AuthBegin{ClientID: cr.ClientID, ClientNonce: nonce})
		assertServerError(t, err, protocol.CodeNonceReused)
		assertCloseCode(t, waitClosed(t, second), websocket.ClosePolicyViolation)
		if !e.waitAudit(t, keyrelay.AuditAuthFailed, "replayed client nonce") {
			t.Error("not audited")
		}
	})
	t.Run("revoked while connected", func(t *testing.T) {
		cr2 := e.paired(t)
		c := e.dial(t, chromeOrigin)
		if err := c.Auth(e.ctx, cr2.ClientID, cr2.Secret); err != nil {
			t.Fatal(err)
		}
		ps, _ := sqlite.NewPairingService(e.db).FindPairings(e.ctx, keyrelay.PairingFilter{ClientID: cr2.ClientID})
		if err := sqlite.NewPairingService(e.db).RevokePairing(e.ctx, ps[0].ID); err != nil {
			t.Fatal(err)
		}
		_, err := c.Capture(e.ctx, newCapture(testKey))
		assertServerError(t, err, protocol.CodeUnknownClient)
		assertCloseCode(t, waitClosed(t, c), websocket.ClosePolicyViolation)
		c2 := e.dial(t, chromeOrigin)
		assertServerError(t, c2.Auth(e.ctx, cr2.ClientID, cr2.Secret), protocol.CodeUnknownClient)
		if got, want := e.captureCount(t), 0; got != want {
			t.Errorf("captures = %d, want %d", got, want)
		}
	})
}

func TestOversizeFrame(t *testing.T) {
	e := newEnv(t)
	c, _, err := websocket.DefaultDialer.Dial(e.url, http.Header{"Origin": {chromeOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, _, err := c.ReadMessage(); err != nil { // hello
		t.Fatal(err)
	}
	big := `{"v":1,"type":"status","id":"` + strings.Repeat("x", 1<<20) + `"}`
	c.WriteMessage(websocket.TextMessage, []byte(big)) // may fail once the helper hangs up
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err = c.ReadMessage()
		if err != nil {
			break
		}
	}
	assertCloseCode(t, err, websocket.CloseMessageTooBig)
	if !e.waitAudit(t, keyrelay.AuditMessageRefused, "64 KiB") {
		t.Error("not audited")
	}
}

func TestLimits(t *testing.T) {
	t.Run("unauthenticated cap evicts the oldest", func(t *testing.T) {
		e := newEnv(t, func(s *ws.Server) { s.Limits.MaxUnauthed = 2 })
		first := e.dial(t, chromeOrigin)
		e.dial(t, chromeOrigin)
		e.dial(t, chromeOrigin)
		assertCloseCode(t, waitClosed(t, first), websocket.CloseTryAgainLater)
		if !e.waitAudit(t, keyrelay.AuditConnEvicted, "oldest unauthenticated") {
			t.Error("not audited")
		}
	})
	t.Run("upgrade rate", func(t *testing.T) {
		e := newEnv(t, func(s *ws.Server) { s.Limits.UpgradesPerSecond, s.Limits.UpgradeBurst = 0.01, 1 })
		e.dial(t, chromeOrigin)
		_, err := wsclient.Dial(e.ctx, e.url, chromeOrigin, nil)
		assertStatus(t, err, http.StatusTooManyRequests)
	})
	t.Run("message rate", func(t *testing.T) {
		e := newEnv(t, func(s *ws.Server) { s.Limits.MessagesPerSecond, s.Limits.MessageBurst = 0.01, 3 })
		c := e.dial(t, chromeOrigin)
		var codes []string
		for range 5 {
			_, err := c.Request(e.ctx, &protocol.Ping{T: 1})
			var se *wsclient.ServerError
			if errors.As(err, &se) {
				codes = append(codes, se.Code)
			} else if err != nil {
				t.Fatal(err)
			}
		}
		if got, want := strings.Join(codes, ","), "rate_limited,rate_limited"; got != want {
			t.Errorf("errors = %s, want %s", got, want)
		}
	})
	t.Run("authentication deadline", func(t *testing.T) {
		e := newEnv(t, func(s *ws.Server) { s.Limits.AuthTimeout = 200 * time.Millisecond })
		c := e.dial(t, chromeOrigin)
		assertCloseCode(t, waitClosed(t, c), websocket.ClosePolicyViolation)
		if !e.waitAudit(t, keyrelay.AuditAuthFailed, "deadline") {
			t.Error("not audited")
		}
	})
	t.Run("pings keep an authenticated connection open", func(t *testing.T) {
		e := newEnv(t, func(s *ws.Server) {
			s.Limits.PingInterval, s.Limits.IdleTimeout = 50*time.Millisecond, 300*time.Millisecond
		})
		cr := e.paired(t)
		c, _, err := websocket.DefaultDialer.Dial(e.url, http.Header{"Origin": {chromeOrigin}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		authRaw(t, c, cr.ClientID, cr.Secret)
		// Counted, not slept: the client says nothing but pongs until the
		// server has pinged it for well over one idle timeout.
		pings := make(chan struct{}, 100)
		readErr := make(chan error, 1)
		go func() {
			for {
				var m struct {
					Type string `json:"type"`
					ID   string `json:"id"`
					T    int64  `json:"t"`
				}
				if err := c.ReadJSON(&m); err != nil {
					readErr <- err
					return
				}
				if m.Type == protocol.TypePing {
					c.WriteJSON(map[string]any{"v": 1, "type": protocol.TypePong, "ref": m.ID, "t": m.T})
					select {
					case pings <- struct{}{}:
					default:
					}
				}
			}
		}()
		for range 20 { // 20 × 50 ms of pings > the 300 ms idle timeout
			select {
			case <-pings:
			case err := <-readErr:
				t.Fatalf("connection closed while answering pings: %v", err)
			case <-time.After(10 * time.Second):
				t.Fatal("the server stopped pinging")
			}
		}
		select {
		case err := <-readErr:
			t.Fatalf("connection closed while answering pings: %v", err)
		default:
		}
	})
	t.Run("silent client is dropped", func(t *testing.T) {
		e := newEnv(t, func(s *ws.Server) { s.Limits.IdleTimeout = 300 * time.Millisecond })
		cr := e.paired(t)
		// A raw socket that never answers pings.
		c, _, err := websocket.DefaultDialer.Dial(e.url, http.Header{"Origin": {chromeOrigin}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		authRaw(t, c, cr.ClientID, cr.Secret)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			if _, _, err = c.ReadMessage(); err != nil {
				break
			}
		}
		assertCloseCode(t, err, websocket.CloseNormalClosure)
	})
}

// Nothing stays behind after many short connections.
func TestNoGoroutineLeak(t *testing.T) {
	e := newEnv(t)
	cycle := func() {
		c, err := wsclient.Dial(e.ctx, e.url, chromeOrigin, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	cycle() // warm up pools
	// No sleep before counting: if the warm-up's goroutines are still
	// winding down, "before" is only higher. A leak of even one goroutine
	// per connection shows as 1,000 more, far past the margin.
	before := runtime.NumGoroutine()
	for range 1000 {
		cycle()
	}
	cr := e.paired(t)
	c := e.dial(t, chromeOrigin)
	if err := c.Auth(e.ctx, cr.ClientID, cr.Secret); err != nil {
		t.Fatal(err)
	}
	c.Close()
	const margin = 20
	if after := settledGoroutines(before + margin); after > before+margin {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutines: %d before, %d after 1,000 connections\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}

// settledGoroutines waits up to 5 s for the count to fall to target.
func settledGoroutines(target int) int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(5 * time.Second); n > target && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

func TestShutdown(t *testing.T) {
	e := newEnv(t)
	c, _ := e.authed(t)
	ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	assertCloseCode(t, waitClosed(t, c), websocket.CloseGoingAway)
	_, err := wsclient.Dial(e.ctx, e.url, chromeOrigin, nil)
	assertStatus(t, err, http.StatusServiceUnavailable)
}

func assertStatus(t *testing.T, err error, status int) {
	t.Helper()
	var he *wsclient.HandshakeError
	if !errors.As(err, &he) {
		t.Fatalf("err = %v, want HTTP %d", err, status)
	}
	if he.Status != status {
		t.Errorf("status = %d, want %d", he.Status, status)
	}
}

func assertCloseCode(t *testing.T, err error, code int) {
	t.Helper()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want close %d", err, code)
	}
	if ce.Code != code {
		t.Errorf("close code = %d, want %d", ce.Code, code)
	}
}

func withHost(h http.Header, host string) http.Header {
	h.Set("Host", host)
	return h
}

// authRaw authenticates a bare gorilla connection (which then answers
// nothing on its own).
func authRaw(t *testing.T, c *websocket.Conn, clientID string, secret []byte) {
	t.Helper()
	var hello protocol.Hello
	if err := c.ReadJSON(&hello); err != nil {
		t.Fatal(err)
	}
	nonce := protocol.NewNonce()
	c.WriteJSON(map[string]any{"v": 1, "type": "auth_begin", "id": "1", "client_id": clientID, "client_nonce": nonce})
	var ch protocol.AuthChallenge
	if err := c.ReadJSON(&ch); err != nil || ch.ServerProof == "" {
		t.Fatalf("challenge = %+v, %v", ch, err)
	}
	c.WriteJSON(map[string]any{"v": 1, "type": "auth", "id": "2", "client_proof": protocol.ClientProof(secret, clientID, hello.ServerNonce, nonce)})
	var ok protocol.AuthOK
	if err := c.ReadJSON(&ok); err != nil || ok.Type != protocol.TypeAuthOK {
		t.Fatalf("auth_ok = %+v, %v", ok, err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
