//go:build demo

package e2e_test

import (
	"testing"
	"time"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/keyrelay"
)

// TestGoQBrowserModeCorpus runs browser-mode delivery over issue 13's corpus
// of GoQ settings pages (legacy PHP, CakePHP, Rails, Bootstrap, HTML4,
// Shift_JIS, EUC-JP, ISO-2022-JP...), each reached by the route's link
// texts: a page that can be saved gets the key with one POST; the page that
// refuses the key ends 要対応 with GoQ's message verbatim after one POST;
// a page the rules refuse (two save buttons, two key fields, a GET form, a
// disabled field, no save button) gets no POST at all.
func TestGoQBrowserModeCorpus(t *testing.T) {
	e := newGoQEnv(t, true)
	// What the browser refuses: the rules' ambiguities, what would leak the
	// key (a GET form), no save button and a page it cannot read.
	refuse := map[string]bool{"13_js_only_link": true, "16_two_save_buttons": true,
		"18_undecodable_charset": true, "19_duplicate_label": true, "20_get_form": true}
	// Pages the Go client refuses only because it cannot run their script
	// (14, 15) or must mimic a browser's datalist rule (21): the browser
	// posts them as the operator would, but the fake has no key field to
	// store for them and answers 400. Green must then never show.
	fakeCannotStore := map[string]bool{"14_onclick_fills": true, "15_disabled_until_script": true, "21_datalist_field": true}
	for _, p := range fakegoq.CorpusPages() {
		t.Run(p.Name, func(t *testing.T) {
			fake := e.goq.use(fakegoq.New(fakegoq.Options{CorpusPage: p.Name}))
			e.loginGoQ(t, e.b.openTab(t, goqBase))
			id, key := e.captureGoQKey(t)
			switch {
			case fakeCannotStore[p.Name]:
				var d *keyrelay.Delivery
				eventually(t, 90*time.Second, "an attempt", func() (bool, string) {
					d, _ = e.delivery(t, id)
					return d.Attempts >= 1 && d.Status != keyrelay.DeliveryInProgress, d.Status + " " + d.LastError
				})
				if d.Status == keyrelay.DeliveryDelivered || d.Status == keyrelay.DeliveryAlreadyCurrent || fake.StoredKey() == key {
					t.Fatalf("status %s (GoQ holds the key: %v) after GoQ answered 400", d.Status, fake.StoredKey() == key)
				}
			case refuse[p.Name]:
				var d *keyrelay.Delivery
				eventually(t, 90*time.Second, "an attempt refused without a POST", func() (bool, string) {
					d, _ = e.delivery(t, id)
					return d.Attempts >= 1 && d.Status != keyrelay.DeliveryInProgress, d.Status + " " + d.LastError
				})
				if d.Status == keyrelay.DeliveryDelivered || d.Status == keyrelay.DeliveryAlreadyCurrent {
					t.Fatalf("status %s for a page that must be refused", d.Status)
				}
				if n := fake.PostCount(); n != 0 || len(fake.CorpusPosts()) != 0 {
					t.Fatalf("%d save POSTs to a refused page, want 0", n)
				}
				t.Logf("refused: %s", d.LastError)
			case p.Reject != "":
				d := e.waitDelivery(t, id, keyrelay.DeliveryNeedsAttention, 90*time.Second)
				if d.Quote != p.Reject {
					t.Fatalf("quote %q, want GoQ's message verbatim %q", d.Quote, p.Reject)
				}
				_, as := e.delivery(t, id)
				if len(as) != 1 || fake.PostCount() != 1 {
					t.Fatalf("%d attempts, %d POSTs; want exactly one of each", len(as), fake.PostCount())
				}
			default:
				e.waitDelivery(t, id, keyrelay.DeliveryDelivered, 90*time.Second)
				if fake.StoredKey() != key || fake.PostCount() != 1 {
					t.Fatalf("GoQ holds the key: %v; %d POSTs, want 1", fake.StoredKey() == key, fake.PostCount())
				}
			}
		})
	}
}
