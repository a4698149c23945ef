//go:build demo

package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"keyrelay/internal/fakes/rms"
	"keyrelay/internal/keyrelay"
)

// TestPairingInBrowser: an unpaired extension shows a code, the helper lists
// the same code, nothing is sent before approval, and after
// `keyrelay pair approve CODE` the next capture goes through.
func TestPairingInBrowser(t *testing.T) {
	e := newEnv(t, envOptions{RMS: currentOptions()})
	st := e.h.store(t)

	var code string
	eventually(t, 20*time.Second, "a pairing code in the extension", func() (bool, string) {
		s := e.state(t)
		code = s.PairingCode
		return pairingCode.MatchString(code) && !s.Paired, fmt.Sprintf("%+v", s)
	})
	var listed *keyrelay.Pairing
	for _, p := range e.h.pairings(t) {
		if p.Code == code {
			listed = &p
		}
	}
	if listed == nil || listed.Status != keyrelay.PairingPending {
		t.Fatalf("code %s not pending in `keyrelay pair list --json`: %+v", code, e.h.pairings(t))
	}
	if !strings.HasPrefix(listed.Name, "Chrome") && !strings.HasPrefix(listed.Name, "Chromium") {
		t.Errorf("pairing name %q does not say which browser", listed.Name)
	}

	tb := e.b.openTab(t, rms.DetailURL(rms.ShopApp))
	tb.revealAsOperator(t)
	if got := e.capture(t, tb); got.Status == "stored" {
		t.Fatalf("capture before approval = %+v", got)
	}
	if n := st.count(t); n != 0 {
		t.Fatalf("%d captures stored before approval", n)
	}

	if out := e.h.cli(t, "pair", "approve", code); !strings.Contains(out, "approved") {
		t.Errorf("pair approve said %q", out)
	}
	eventually(t, 30*time.Second, "paired and authenticated", func() (bool, string) {
		s := e.state(t)
		return s.Paired && s.Connection == "authenticated" && s.PairingCode == "", fmt.Sprintf("%+v", s)
	})
	// Whatever was refused or queued before approval: the next capture is stored.
	eventually(t, 20*time.Second, "the outbox drains", func() (bool, string) {
		s := e.state(t)
		return s.Outbox == 0, fmt.Sprintf("%+v", s)
	})
	before := st.count(t)
	got := e.capture(t, tb)
	if got.Status != "stored" {
		t.Fatalf("capture after approval = %+v", got)
	}
	if n := st.count(t); n != before+1 {
		t.Fatalf("%d captures, want %d", n, before+1)
	}
	if key := st.key(t, st.byUUID(t, got.CaptureID).ID); key != e.fake.Key(rms.ShopApp) {
		t.Fatal("stored key differs from the page's")
	}
	for _, p := range e.h.pairings(t) {
		if p.Code == code && p.Status != keyrelay.PairingApproved {
			t.Errorf("pairing status %q after approval", p.Status)
		}
	}
}
