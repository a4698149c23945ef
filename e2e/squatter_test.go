//go:build demo

package e2e_test

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"keyrelay/internal/fakes/rms"
	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
)

// TestPortSquatterGetsNoKey: while the helper is down, another process on
// its port says hello as keyrelay, refuses the extension's pairing with
// unknown_client and offers a pairing of its own. The extension keeps its
// pairing, sends the squatter no pairing request and no capture, and the
// queued capture reaches the real helper, once, when it is back.
func TestPortSquatterGetsNoKey(t *testing.T) {
	e := newEnv(t, envOptions{RMS: currentOptions(), Paired: true})
	st := e.h.store(t)

	first := e.b.openTab(t, rms.DetailURL(rms.ShopApp))
	first.revealAsOperator(t)
	if got := e.capture(t, first); got.Status != "stored" {
		t.Fatalf("capture with the helper up = %+v, want stored", got)
	}
	clientID := e.storedClientID(t)
	approved := false
	for _, p := range e.h.pairings(t) {
		approved = approved || (p.ClientID == clientID && p.Status == keyrelay.PairingApproved)
	}
	if !approved {
		t.Fatalf("stored client id %q is not an approved pairing of the helper: %+v", clientID, e.h.pairings(t))
	}

	e.h.stop(t)
	sq := startSquatter(t, e.h.addr())

	second := e.b.openTab(t, rms.DetailURL(rms.GoQApp))
	second.revealAsOperator(t)
	got := e.capture(t, second)
	if got.Status != "queued" || got.CaptureID == "" {
		t.Fatalf("capture with a squatter on the port = %+v, want queued with a capture id", got)
	}
	// The extension did talk to the squatter (so the assertions below can
	// fail), and has made up its mind: the squatter could not prove the
	// secret, so the pairing is unknown. Only an authenticated connection
	// sends a capture, so whatever it was going to send has been sent.
	eventually(t, 30*time.Second, "the extension talks to the squatter and gives up on it", func() (bool, string) {
		s := e.squatterState(t)
		return sq.saw("auth_begin") > 0 && s.PairingUnknown, fmt.Sprintf("frames %v, state %+v", sq.types(), s)
	})

	for _, typ := range []string{"capture", "pair_request", "pair_claim", "auth", "app_list"} {
		if n := sq.saw(typ); n > 0 {
			t.Errorf("the squatter received %d %s frame(s)", n, typ)
		}
	}
	for _, app := range []string{rms.ShopApp, rms.GoQApp} {
		if sq.received(e.fake.Key(app)) {
			t.Errorf("the squatter received the %s key", app)
		}
	}
	for _, id := range sq.authClientIDs() {
		if id != clientID {
			t.Errorf("auth_begin to the squatter for client %q, want the original %q", id, clientID)
		}
	}
	s := e.squatterState(t)
	if !s.Paired || !s.PairingUnknown || s.Connection == "authenticated" || s.Outbox != 1 {
		t.Errorf("state with the squatter = %+v, want paired, pairingUnknown, not authenticated, outbox 1", s)
	}
	if !strings.Contains(s.LastError, "再ペアリング") || s.LastErrorEn == "" {
		t.Errorf("lastError %q / %q does not tell the operator about 再ペアリング", s.LastError, s.LastErrorEn)
	}
	if id := e.storedClientID(t); id != clientID {
		t.Fatalf("stored client id %q after the squatter, want the original %q", id, clientID)
	}

	sq.stop()
	e.h.start(t)
	eventually(t, 90*time.Second, "the queued capture reaches the real helper", func() (bool, string) {
		n := st.count(t)
		return n == 2, fmt.Sprintf("%d captures, state %+v", n, e.squatterState(t))
	})
	if key := st.key(t, st.byUUID(t, got.CaptureID).ID); key != e.fake.Key(rms.GoQApp) {
		t.Fatal("the queued capture arrived with a different key")
	}
	eventually(t, 20*time.Second, "the outbox drains", func() (bool, string) {
		s := e.squatterState(t)
		return s.Outbox == 0 && !s.PairingUnknown, fmt.Sprintf("%+v", s)
	})
	// Quiesced, not slept: after a clean stop nothing more can be stored.
	e.h.stop(t)
	if n := st.count(t); n != 2 {
		t.Fatalf("%d captures, want exactly 2 (one before the squatter, the queued one once)", n)
	}
	if id := e.storedClientID(t); id != clientID {
		t.Fatalf("stored client id %q after the helper returned, want %q", id, clientID)
	}
}

// squatterState is keyrelayState() with the field this test needs beyond extState.
type squatterState struct {
	extState
	PairingUnknown bool `json:"pairingUnknown"`
}

func (e *env) squatterState(t testing.TB) squatterState {
	t.Helper()
	return mustSW[squatterState](t, e.b, `keyrelayState()`)
}

// storedClientID is the extension's stored pairing's public client id.
func (e *env) storedClientID(t testing.TB) string {
	t.Helper()
	return mustSW[string](t, e.b, `chrome.storage.local.get('pairing').then(x => (x.pairing && x.pairing.client_id) || '')`)
}

// squatter is a fake helper: it speaks the protocol well enough to look like
// keyrelay, claims not to know any client but its own, and hands out its own
// pairing to whoever asks. It records every frame it receives.
type squatter struct {
	t      testing.TB
	srv    *http.Server
	secret []byte

	mu     sync.Mutex
	frames []string
	conns  map[*websocket.Conn]bool
	done   chan struct{}
}

const squatterClientID = "c_squatter0000000000"

func startSquatter(t testing.TB, addr string) *squatter {
	t.Helper()
	var ln net.Listener
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if ln, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("the squatter cannot listen on %s: %v", addr, err)
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	sq := &squatter{t: t, secret: secret, conns: map[*websocket.Conn]bool{}, done: make(chan struct{})}
	up := websocket.Upgrader{CheckOrigin: func(r *http.Request) bool {
		return r.Header.Get("Origin") == "chrome-extension://"+keyrelay.ExtensionID
	}}
	sq.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		sq.serve(c)
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() { sq.srv.Serve(ln); close(sq.done) }()
	t.Cleanup(sq.stop)
	return sq
}

func (sq *squatter) stop() {
	sq.srv.Close() // the listener; hijacked WebSockets are ours to close
	sq.mu.Lock()
	for c := range sq.conns {
		c.Close()
	}
	sq.mu.Unlock()
	<-sq.done
}

func (sq *squatter) serve(c *websocket.Conn) {
	sq.mu.Lock()
	sq.conns[c] = true
	sq.mu.Unlock()
	defer func() {
		sq.mu.Lock()
		delete(sq.conns, c)
		sq.mu.Unlock()
		c.Close()
	}()
	nonce := b64(32)
	send := func(m map[string]any) bool {
		m["v"] = 1
		c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		return c.WriteJSON(m) == nil
	}
	if !send(map[string]any{"type": "hello", "app": "keyrelay", "version": "0.1.0", "server_nonce": nonce, "mode": "full"}) {
		return
	}
	var clientID, clientNonce string
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			return
		}
		sq.mu.Lock()
		sq.frames = append(sq.frames, string(data))
		sq.mu.Unlock()
		var m struct {
			Type        string          `json:"type"`
			ID          string          `json:"id"`
			ClientID    string          `json:"client_id"`
			ClientNonce string          `json:"client_nonce"`
			Capture     json.RawMessage `json:"capture"`
		}
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		ok := true
		switch m.Type {
		case "auth_begin":
			if m.ClientID != squatterClientID {
				ok = send(map[string]any{"type": "error", "ref": m.ID, "code": protocol.CodeUnknownClient,
					"message": "このクライアントはペアリングされていません。もう一度ペアリングしてください。", "message_en": "This client is not paired. Pair again."})
				break
			}
			// Its own pairing it can prove: it would authenticate anyone who took it.
			clientID, clientNonce = m.ClientID, m.ClientNonce
			ok = send(map[string]any{"type": "auth_challenge", "ref": m.ID, "server_proof": protocol.ServerProof(sq.secret, clientID, clientNonce, nonce)})
		case "auth":
			ok = send(map[string]any{"type": "auth_ok", "ref": m.ID, "client_id": clientID, "ping_interval_ms": 20000})
		case "pair_request":
			ok = send(map[string]any{"type": "pair_pending", "ref": m.ID, "client_id": squatterClientID, "code": "123456",
				"claim_token": b64(32), "expires_at": time.Now().Add(10 * time.Minute).UTC().Format(time.RFC3339)}) &&
				send(map[string]any{"type": "pair_approved", "client_id": squatterClientID, "secret": protocol.EncodeB64(sq.secret)})
		case "pair_claim":
			ok = send(map[string]any{"type": "pair_approved", "ref": m.ID, "client_id": squatterClientID, "secret": protocol.EncodeB64(sq.secret)})
		case "capture":
			var capture struct {
				CaptureID string `json:"capture_id"`
			}
			json.Unmarshal(m.Capture, &capture)
			ok = send(map[string]any{"type": "capture_ack", "ref": m.ID, "capture_id": capture.CaptureID, "stored_id": 1})
		case "ping":
			ok = send(map[string]any{"type": "pong", "ref": m.ID})
		}
		if !ok {
			return
		}
	}
}

func (sq *squatter) types() []string {
	sq.mu.Lock()
	defer sq.mu.Unlock()
	var ts []string
	for _, f := range sq.frames {
		var m struct {
			Type string `json:"type"`
		}
		json.Unmarshal([]byte(f), &m)
		ts = append(ts, m.Type)
	}
	return ts
}

func (sq *squatter) saw(typ string) int {
	n := 0
	for _, ty := range sq.types() {
		if ty == typ {
			n++
		}
	}
	return n
}

// received reports whether s appears in any frame, raw or JSON-escaped.
func (sq *squatter) received(s string) bool {
	esc, _ := json.Marshal(s)
	sq.mu.Lock()
	defer sq.mu.Unlock()
	for _, f := range sq.frames {
		if strings.Contains(f, s) || strings.Contains(f, strings.Trim(string(esc), `"`)) {
			return true
		}
	}
	return false
}

func (sq *squatter) authClientIDs() []string {
	sq.mu.Lock()
	defer sq.mu.Unlock()
	var ids []string
	for _, f := range sq.frames {
		var m struct {
			Type     string `json:"type"`
			ClientID string `json:"client_id"`
		}
		if json.Unmarshal([]byte(f), &m) == nil && m.Type == "auth_begin" {
			ids = append(ids, m.ClientID)
		}
	}
	return ids
}

func b64(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return protocol.EncodeB64(b)
}
