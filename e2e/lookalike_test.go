//go:build demo

package e2e_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"keyrelay/internal/fakes/rms"
	"keyrelay/internal/keyrelay"
)

// TestLookalikePageGetsNothing: a page on a non-RMS origin that copies the
// revealed page and pushes look-alike messages at the extension (and a
// WebSocket at the helper) gets nothing stored.
func TestLookalikePageGetsNothing(t *testing.T) {
	e := newEnv(t, envOptions{RMS: currentOptions(), Paired: true})
	st := e.h.store(t)
	// An RMS tab with a live content script, so a message relay through it
	// would have something to reach.
	e.b.openTab(t, rms.AppListURL())

	tb := e.b.openTab(t, rms.LookalikeURL(e.h.port))
	tb.do(t, "the look-alike script finishes", chromedp.WaitReady(chromedp.CSS(`body[data-done="1"]`)))
	attempts := tabEval[string](t, tb, `document.getElementById('attempts').textContent`)
	t.Logf("look-alike page: %s", attempts)
	if strings.Contains(attempts, "ws:open") {
		t.Error("the helper accepted a WebSocket from https://evil.example")
	}

	if got := e.capture(t, tb); got.Status == "stored" || got.Status == "queued" || got.CaptureID != "" {
		t.Errorf("keyrelayCapture on evil.example = %+v, want refused", got)
	}
	if d := e.detect(t, tb); d.Capturable || strings.Contains(d.raw, rms.LookalikeKey) {
		t.Errorf("keyrelayDetect on evil.example = kind %q capturable %v", d.Kind, d.Capturable)
	}
	if s := e.state(t); s.Outbox != 0 {
		t.Errorf("outbox %d after the look-alike page", s.Outbox)
	}
	for _, c := range st.all(t) {
		if c.KeyLast4 == keyrelay.KeyLast4(rms.LookalikeKey) || strings.Contains(c.PageURL, rms.LookalikeHost) {
			t.Fatalf("the look-alike key was stored: %+v", c)
		}
	}
	if n := st.count(t); n != 0 {
		t.Fatalf("%d captures stored", n)
	}
}
