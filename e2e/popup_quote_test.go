//go:build demo

package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestPopupShowsGoQQuote: a delivery push carrying GoQ's own words reaches
// the popup through the extension's real push handler and storage, shown
// verbatim, marked as GoQ's (GoQの表示:「…」 or GoQ said:「…」), as text: the
// markup in GoQ's message stays characters, never elements.
func TestPopupShowsGoQQuote(t *testing.T) {
	b := startBrowser(t, browserOptions{Extension: requireExtension(t)})
	const quote = `<b id="injected">E-17</b> ライセンスキーの形式が正しくありません。`
	push := fmt.Sprintf(`globalThis.keyrelay.conn.hooks.push({type: 'delivery', capture_id: '6f1c2a9e-0000-4000-8000-000000000001',
		destination: 'goq', status: 'needs_attention', detail: 'GoQSystemがライセンスキーを受け付けませんでした。',
		detail_en: 'GoQSystem refused the license key.', quote: %q, login_id: 'fuji-goq', at: '2026-11-30T00:00:00Z'}).then(() => true)`, quote)
	mustSW[bool](t, b, push)

	tb := b.openTab(t, "chrome-extension://"+b.extID+"/extension/popup.html?tab=1")
	var text string
	eventually(t, 10*time.Second, "the popup lists the delivery with GoQ's words", func() (bool, string) {
		text = tabEval[string](t, tb, `(document.querySelector('#recentList li') || {}).textContent || ''`)
		return strings.Contains(text, quote), text
	})
	if !strings.Contains(text, "GoQの表示:「"+quote+"」") && !strings.Contains(text, "GoQ said:「"+quote+"」") {
		t.Fatalf("GoQ's words are not marked as GoQ's: %q", text)
	}
	if n := tabEval[int](t, tb, `document.querySelectorAll('#injected').length`); n != 0 {
		t.Fatal("GoQ's message was rendered as markup in the popup")
	}
}
