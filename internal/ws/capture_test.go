package ws_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
	"keyrelay/internal/sqlite"
	"keyrelay/internal/wsclient"
)

// The main path: pair, approve through the CLI's code path, auth,
// capture, resend.
func TestPairApproveAuthCapture(t *testing.T) {
	e := newEnv(t)
	c := e.dial(t, chromeOrigin)
	if got, want := c.Hello().Mode, protocol.ModeFull; got != want {
		t.Errorf("hello mode = %q, want %q", got, want)
	}
	p, err := c.Pair(e.ctx, "Chrome 131 / Linux")
	if err != nil {
		t.Fatalf("Pair: %v", err)
	}
	if len(p.Code) != 6 || !strings.HasPrefix(p.ClientID, "c_") {
		t.Fatalf("pairing = %+v, want a 6-digit code and a c_ client id", p)
	}
	t.Run("auth before approval", func(t *testing.T) {
		other := e.dial(t, chromeOrigin)
		err := other.Auth(e.ctx, p.ClientID, make([]byte, 32))
		assertServerError(t, err, protocol.CodePairingPending)
	})
	e.approve(t, p.Code)
	ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
	defer cancel()
	cr, err := p.Wait(ctx)
	if err != nil {
		t.Fatalf("Wait for pushed approval: %v", err)
	}
	if got, want := cr.ClientID, p.ClientID; got != want {
		t.Errorf("client id = %q, want %q", got, want)
	}
	if err := c.Auth(e.ctx, cr.ClientID, cr.Secret); err != nil {
		t.Fatalf("Auth on the pairing connection: %v", err)
	}
	capture := newCapture(testKey)
	ack, err := c.Capture(e.ctx, capture)
	if err != nil {
		t.Fatalf("Capture: %v", err)
	}
	stored, err := sqlite.NewCaptureService(e.db).FindCaptureByUUID(e.ctx, capture.CaptureID)
	if err != nil {
		t.Fatalf("capture not in the database: %v", err)
	}
	if got, want := ack.StoredID, stored.ID; got != want {
		t.Errorf("ack stored_id = %d, want %d", got, want)
	}
	if ack.Duplicate {
		t.Error("first ack says duplicate")
	}
	if got, want := ack.KeyLast4, "kL1m"; got != want {
		t.Errorf("ack key_last4 = %q, want %q", got, want)
	}
	if got, want := stored.ClientID, cr.ClientID; got != want {
		t.Errorf("stored client id = %q, want %q", got, want)
	}
	key, err := sqlite.NewCaptureService(e.db).RevealKey(e.ctx, stored.ID)
	if err != nil || key != testKey {
		t.Errorf("RevealKey = %q, %v; want the key sent", key, err)
	}

	t.Run("resend is a duplicate", func(t *testing.T) {
		again, err := c.Capture(e.ctx, capture)
		if err != nil {
			t.Fatalf("resend: %v", err)
		}
		if !again.Duplicate || again.StoredID != ack.StoredID {
			t.Errorf("resend ack = %+v, want duplicate with stored_id %d", again, ack.StoredID)
		}
		if got, want := e.captureCount(t), 1; got != want {
			t.Errorf("captures = %d, want %d", got, want)
		}
	})
	t.Run("resend on a new connection", func(t *testing.T) {
		c2 := e.dial(t, chromeOrigin)
		if err := c2.Auth(e.ctx, cr.ClientID, cr.Secret); err != nil {
			t.Fatal(err)
		}
		again, err := c2.Capture(e.ctx, capture)
		if err != nil {
			t.Fatal(err)
		}
		if !again.Duplicate || again.StoredID != ack.StoredID {
			t.Errorf("resend ack = %+v, want duplicate with stored_id %d", again, ack.StoredID)
		}
	})
	t.Run("audited", func(t *testing.T) {
		if !e.hasAudit(t, keyrelay.AuditPairRequested, p.Code) {
			t.Error("no pair_requested audit event with the code")
		}
		if !e.hasAudit(t, keyrelay.AuditAuthOK, "") {
			t.Error("no auth_ok audit event")
		}
	})
	assertNoKey(t, e)
}

func TestClaimAfterReconnect(t *testing.T) {
	e := newEnv(t)
	c := e.dial(t, chromeOrigin)
	p, err := c.Pair(e.ctx, "reconnecting")
	if err != nil {
		t.Fatal(err)
	}
	c.Close()

	c2 := e.dial(t, chromeOrigin)
	t.Run("still pending", func(t *testing.T) {
		cr, pending, err := c2.Claim(e.ctx, p.ClientID, p.ClaimToken)
		if err != nil || cr != nil || pending == nil || pending.Code != p.Code {
			t.Fatalf("Claim = %v, %+v, %v; want pending with code %s", cr, pending, err, p.Code)
		}
	})
	t.Run("wrong token", func(t *testing.T) {
		e.approve(t, p.Code)
		c3 := e.dial(t, chromeOrigin)
		_, _, err := c3.Claim(e.ctx, p.ClientID, "not-the-token-at-all")
		assertServerError(t, err, protocol.CodePairingRejected)
	})
	t.Run("claimed once", func(t *testing.T) {
		c4 := e.dial(t, chromeOrigin)
		cr, _, err := c4.Claim(e.ctx, p.ClientID, p.ClaimToken)
		if err != nil || cr == nil {
			t.Fatalf("Claim after approval = %v, %v", cr, err)
		}
		if err := c4.Auth(e.ctx, cr.ClientID, cr.Secret); err != nil {
			t.Fatalf("Auth: %v", err)
		}
		c5 := e.dial(t, chromeOrigin)
		_, _, err = c5.Claim(e.ctx, p.ClientID, p.ClaimToken)
		assertServerError(t, err, protocol.CodePairingRejected)
	})
}

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	c, _ := e.authed(t)
	frames := []struct {
		name, frame, wantCode string
	}{
		{"malformed JSON", `{"v":1,"type":"capture",`, protocol.CodeBadJSON},
		{"not an object", `[]`, protocol.CodeBadJSON},
		{"unknown type", `{"v":1,"id":"x","type":"format_disk"}`, protocol.CodeUnknownType},
		{"wrong version", `{"v":2,"id":"x","type":"status"}`, protocol.CodeBadVersion},
		{"missing version", `{"id":"x","type":"status"}`, protocol.CodeBadVersion},
		{"unknown field", `{"v":1,"id":"x","type":"status","admin":true}`, protocol.CodeBadMessage},
	}
	for _, tt := range frames {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.auditEvents(t))
			if err := c.WriteRaw([]byte(tt.frame)); err != nil {
				t.Fatal(err)
			}
			got := nextError(t, c, tt.wantCode)
			if got.Message == "" || got.MessageEn == "" {
				t.Errorf("messages = %q / %q, want Japanese and English", got.Message, got.MessageEn)
			}
			if after := len(e.auditEvents(t)); after != before+1 {
				t.Errorf("audit events %d → %d, want one more", before, after)
			}
		})
	}
	keys := []struct{ name, key string }{
		{"XXXXXXXX", "XXXXXXXXXXXXXXXX"},
		{"末尾4桁", "末尾4桁: IANT"},
		{"Redacted", "[Redacted]"},
		{"whitespace", "SL123456_Ab3dE5fG 7hJ9kL1m"},
		{"markup", "<span>" + testKey + "</span>"},
		{"lost last character", testKey[:len(testKey)-1]},
		{"absurd length", strings.Repeat("Ab3dE5fG7h", 30)},
	}
	for _, tt := range keys {
		t.Run("masked or implausible key "+tt.name, func(t *testing.T) {
			before := len(e.auditEvents(t))
			_, err := c.Capture(e.ctx, newCapture(tt.key))
			se := assertServerError(t, err, protocol.CodeInvalidKey)
			if se != nil && (se.Message == "" || strings.Contains(se.Message+se.MessageEn, tt.key)) {
				t.Errorf("error %q / %q: want a message that does not quote the key", se.Message, se.MessageEn)
			}
			if !e.hasAudit(t, keyrelay.AuditMessageRefused, protocol.CodeInvalidKey) || len(e.auditEvents(t)) != before+1 {
				t.Error("refusal not audited")
			}
		})
	}
	t.Run("invalid capture id", func(t *testing.T) {
		cp := newCapture(testKey)
		cp.CaptureID = "not-a-uuid"
		_, err := c.Capture(e.ctx, cp)
		assertServerError(t, err, protocol.CodeInvalidCapture)
	})
	t.Run("capture before auth", func(t *testing.T) {
		u := e.dial(t, chromeOrigin)
		_, err := u.Request(e.ctx, &protocol.CaptureMsg{Capture: newCapture(testKey)})
		assertServerError(t, err, protocol.CodeNotAuthenticated)
		if !e.hasAudit(t, keyrelay.AuditMessageRefused, protocol.CodeNotAuthenticated) {
			t.Error("not audited")
		}
	})
	t.Run("client refuses to send before auth", func(t *testing.T) {
		u := e.dial(t, chromeOrigin)
		if _, err := u.Capture(e.ctx, newCapture(testKey)); !errors.Is(err, wsclient.ErrNotAuthenticated) {
			t.Errorf("err = %v, want ErrNotAuthenticated", err)
		}
	})
	t.Run("nothing stored", func(t *testing.T) {
		if got, want := e.captureCount(t), 0; got != want {
			t.Errorf("captures = %d, want %d", got, want)
		}
	})
	t.Run("still serving", func(t *testing.T) {
		if _, err := c.Status(e.ctx); err != nil {
			t.Errorf("Status after bad input: %v", err)
		}
	})
	assertNoKey(t, e)
}

// nextError waits for an error that answers no request (a raw frame's).
func nextError(t *testing.T, c *wsclient.Client, code string) *protocol.ErrorMsg {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case m := <-c.Events():
			em, ok := m.(*protocol.ErrorMsg)
			if !ok {
				continue
			}
			if em.Code != code {
				t.Fatalf("error code = %q (%s), want %q", em.Code, em.MessageEn, code)
			}
			return em
		case <-timeout:
			t.Fatalf("no error %s", code)
			return nil
		}
	}
}

func assertServerError(t *testing.T, err error, code string) *wsclient.ServerError {
	t.Helper()
	var se *wsclient.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a helper error %s", err, code)
		return nil
	}
	if se.Code != code {
		t.Errorf("code = %q (%s), want %q", se.Code, se.MessageEn, code)
	}
	return se
}

// assertNoKey checks the key reached neither the log nor the audit log.
func assertNoKey(t *testing.T, e *env) {
	t.Helper()
	t.Run("key not in logs", func(t *testing.T) {
		if strings.Contains(e.logs.String(), testKey) {
			t.Error("the key appears in the log output")
		}
		for _, ev := range e.auditEvents(t) {
			if strings.Contains(ev.Reason+ev.Origin, testKey) {
				t.Errorf("the key appears in audit event %+v", ev)
			}
		}
		if !strings.Contains(e.logs.String(), "level=") {
			t.Error("no log output at all: the check above proves nothing")
		}
	})
}

// TestReusedCaptureIDWithOtherKey: a capture_id reused with a different key
// is the client's error (a resend would fail the same way), not an internal
// one the extension would retry forever; nothing stored changes.
func TestReusedCaptureIDWithOtherKey(t *testing.T) {
	e := newEnv(t)
	c, _ := e.authed(t)
	first := newCapture("SL123456_FirstKey0000ABCD")
	if _, err := c.Capture(e.ctx, first); err != nil {
		t.Fatal(err)
	}
	second := *first
	second.Key = "SL123456_OtherKey0000WXYZ"
	_, err := c.Capture(e.ctx, &second)
	assertServerError(t, err, protocol.CodeInvalidCapture)
	if n := e.captureCount(t); n != 1 {
		t.Fatalf("%d captures stored, want 1", n)
	}
}

// The name a pair_request gives is the peer's claim, shown beside the
// pairing code in the tray and on the pairings page: what could recolour
// a terminal or reorder the code around it is dropped before it is stored.
func TestPairRequestNameCleaned(t *testing.T) {
	e := newEnv(t)
	c := e.dial(t, chromeOrigin)
	p, err := c.Pair(e.ctx, "\x1b[31mChrome\u202e 4321\n/ Linux")
	if err != nil {
		t.Fatalf("Pair: %v", err)
	}
	ps, err := sqlite.NewPairingService(e.db).FindPairings(e.ctx, keyrelay.PairingFilter{})
	if err != nil {
		t.Fatalf("FindPairings: %v", err)
	}
	if len(ps) != 1 || ps[0].ClientID != p.ClientID {
		t.Fatalf("pairings = %+v, want the one requested", ps)
	}
	if got, want := ps[0].Name, "[31mChrome 4321 / Linux（"; !strings.HasPrefix(got, want) {
		t.Errorf("stored name = %q, want it to start %q", got, want)
	}
	if got := ps[0].Name; keyrelay.Printable(got) != got {
		t.Errorf("stored name = %q still has characters Printable escapes", got)
	}
}
