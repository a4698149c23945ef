package wsclient_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
	"keyrelay/internal/wsclient"
)

const (
	testKey = "SL123456_Ab3dE5fG7hJ9kL1m"
	origin  = "chrome-extension://" + keyrelay.ExtensionID
)

// fakeHelper squats on a port: it greets like keyrelay (or not) and answers
// auth_begin with a proof it cannot compute, recording every frame it gets.
type fakeHelper struct {
	app    string
	mu     sync.Mutex
	frames [][]byte
	closed chan struct{}
}

func (f *fakeHelper) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{CheckOrigin: func(r *http.Request) bool { return r.Header.Get("Origin") == origin }}
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer close(f.closed)
	defer c.Close()
	c.WriteJSON(map[string]any{"v": 1, "type": "hello", "app": f.app, "version": "9", "server_nonce": protocol.NewNonce(), "mode": "full"})
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.frames = append(f.frames, data)
		f.mu.Unlock()
		m, err := protocol.DecodeClient(data)
		if err != nil {
			continue
		}
		switch m.(type) {
		case *protocol.AuthBegin:
			// A guess: without the secret the squatter cannot do better.
			c.WriteJSON(map[string]any{"v": 1, "type": "auth_challenge", "ref": m.Head().ID, "server_proof": protocol.NewNonce()})
		case *protocol.Auth:
			c.WriteJSON(map[string]any{"v": 1, "type": "auth_ok", "ref": m.Head().ID, "client_id": "c_x", "ping_interval_ms": 20000})
		case *protocol.CaptureMsg:
			c.WriteJSON(map[string]any{"v": 1, "type": "capture_ack", "ref": m.Head().ID, "stored_id": 1})
		}
	}
}

func (f *fakeHelper) received() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte(nil), f.frames...)
}

func startFake(t *testing.T, app string) (*fakeHelper, string) {
	f := &fakeHelper{app: app, closed: make(chan struct{})}
	hs := httptest.NewServer(f)
	t.Cleanup(hs.Close)
	return f, "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"
}

func TestFakeHelperGetsNoKey(t *testing.T) {
	f, url := startFake(t, "keyrelay")
	ctx := context.Background()
	c, err := wsclient.Dial(ctx, url, origin, nil)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c.Close()
	secret := bytes.Repeat([]byte{7}, 32)
	if err := c.Auth(ctx, "c_0123456789abcdef", secret); !errors.Is(err, wsclient.ErrServerProof) {
		t.Fatalf("Auth = %v, want ErrServerProof", err)
	}
	if _, err := c.Capture(ctx, &protocol.Capture{CaptureID: "6f1c2a9e-1b2c-4d3e-8f40-123456789abc", PageURL: "https://x/", AppName: "a", Key: testKey}); err == nil {
		t.Fatal("Capture after a failed server proof succeeded")
	}
	if err := c.WriteRaw([]byte(`{"v":1,"type":"status"}`)); err == nil {
		t.Error("WriteRaw after a failed server proof succeeded")
	}
	select {
	case <-f.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the client did not hang up on the fake helper")
	}
	frames := f.received()
	for _, fr := range frames {
		if bytes.Contains(fr, []byte(testKey)) || bytes.Contains(fr, []byte(`"capture"`)) || bytes.Contains(fr, []byte(`"auth"`)) {
			t.Errorf("the fake helper received %s", fr)
		}
	}
	if got, want := len(frames), 1; got != want {
		t.Errorf("frames received = %d, want %d (auth_begin only)", got, want)
	}
}

func TestNotKeyrelay(t *testing.T) {
	for _, app := range []string{"something-else", ""} {
		t.Run("app "+app, func(t *testing.T) {
			f, url := startFake(t, app)
			_, err := wsclient.Dial(context.Background(), url, origin, nil)
			if !errors.Is(err, wsclient.ErrNotKeyrelay) {
				t.Fatalf("Dial = %v, want ErrNotKeyrelay", err)
			}
			select {
			case <-f.closed:
			case <-time.After(5 * time.Second):
				t.Fatal("connection left open")
			}
			if got := f.received(); len(got) != 0 {
				t.Errorf("the other server received %q", got)
			}
		})
	}
}

func TestHandshakeRefused(t *testing.T) {
	_, url := startFake(t, "keyrelay")
	_, err := wsclient.Dial(context.Background(), url, "https://evil.example", nil)
	var he *wsclient.HandshakeError
	if !errors.As(err, &he) || he.Status != http.StatusForbidden {
		t.Fatalf("Dial = %v, want a 403 HandshakeError", err)
	}
}
