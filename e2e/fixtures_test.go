//go:build demo

package e2e_test

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"keyrelay/internal/fakes/rms"
	"keyrelay/internal/keyrelay"
)

// fixtureExpect is extension/test/fixtures/expect.json, which the node
// parser test (extension/test/dom.test.js) reads too.
type fixtureExpect struct {
	Pages map[string]struct {
		Kind       string `json:"kind"`
		Capturable bool   `json:"capturable"`
		Key        string `json:"key"`
		Reason     string `json:"reason"`
		Why        string `json:"why"`
	} `json:"pages"`
}

// fixtureBase is where openFixture serves the fixture pages: under the real
// RMS host, so the manifest's content script runs on them as on RMS.
const fixtureBase = "https://" + rms.WebServiceHost + "/keyrelay-fixture/"

// openFixture opens extension/test/fixtures/<name>.html in a new tab at
// fixtureBase+name: the browser asks for that URL and the tab's Fetch
// interception answers with the file, so the page is a real navigation
// that the real content script reads.
func (b *browser) openFixture(t testing.TB, name string) *tab {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(repoRoot(t), "extension", "test", "fixtures", name+".html"))
	if err != nil {
		t.Fatal(err)
	}
	tb := b.openTab(t, "about:blank")
	if err := chromedp.Listen(tb.ctx, func(ev any) {
		e, ok := ev.(*fetch.EventRequestPaused)
		if !ok {
			return
		}
		go func() {
			c := chromedp.FromContext(tb.ctx)
			ctx, cancel := context.WithTimeout(tb.ctx, extTimeout)
			defer cancel()
			if !strings.HasPrefix(e.Request.URL, fixtureBase+name+".html") {
				_, _ = cdp.Call(ctx, c.Target, fetch.FailRequest, fetch.FailRequestParams{RequestID: e.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
				return
			}
			_, _ = cdp.Call(ctx, c.Target, fetch.FulfillRequest, fetch.FulfillRequestParams{
				RequestID: e.RequestID, ResponseCode: 200, Body: body,
				ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "text/html; charset=utf-8"}},
			})
		}()
	}); err != nil {
		t.Fatal(err)
	}
	tb.do(t, "intercept fixture requests", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: fixtureBase + "*"}}})
		return chromedp.Void{}, err
	})
	tb.navigate(t, fixtureBase+name+".html")
	return tb
}

// TestFixturesThroughExtension: every fixture page of the parser tests, in
// real Chromium through the real extension (content script, service worker,
// keyrelayDetect/keyrelayCapture) to the real helper. Capturable pages store
// exactly their key; the others are refused with their reason and store
// nothing. This is where keys split across inline elements, hidden pieces,
// generated content and controls beside the key are proven in the browser.
func TestFixturesThroughExtension(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "extension", "test", "fixtures", "expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want fixtureExpect
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{Paired: true})
	st := e.h.store(t)
	stored := 0
	names := slices.Sorted(maps.Keys(want.Pages))
	for _, name := range names {
		w := want.Pages[name]
		t.Run(name, func(t *testing.T) {
			tb := e.b.openFixture(t, name)
			defer tb.close()
			d := e.detect(t, tb)
			if d.Kind != w.Kind || d.Capturable != w.Capturable {
				t.Fatalf("%s: detect = kind %q capturable %v (%s), want %q capturable %v", w.Why, d.Kind, d.Capturable, d.ReasonEn, w.Kind, w.Capturable)
			}
			if w.Key != "" && strings.Contains(d.raw, w.Key) {
				t.Fatal("keyrelayDetect returned the key")
			}
			got := e.capture(t, tb)
			if !w.Capturable {
				if got.Status != "refused" || got.CaptureID != "" {
					t.Fatalf("keyrelayCapture = %+v, want refused", got)
				}
				if !regexp.MustCompile(w.Reason).MatchString(got.Reason) || got.ReasonEn == "" {
					t.Errorf("reason %q, want one matching %q (and English)", got.Reason, w.Reason)
				}
				if n := st.count(t); n != stored {
					t.Fatalf("%d captures stored, want %d", n, stored)
				}
				return
			}
			if got.Status != "stored" || got.KeyLast4 != keyrelay.KeyLast4(w.Key) {
				t.Fatalf("keyrelayCapture = %+v, want stored with last 4 %s", got, keyrelay.KeyLast4(w.Key))
			}
			stored++
			c := st.byUUID(t, got.CaptureID)
			if key := st.key(t, c.ID); key != w.Key {
				t.Fatalf("%s: stored key (len %d, last 4 %s) is not the page's (len %d, last 4 %s)",
					w.Why, len(key), keyrelay.KeyLast4(key), len(w.Key), keyrelay.KeyLast4(w.Key))
			}
		})
	}
}
