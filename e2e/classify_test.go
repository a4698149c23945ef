//go:build demo

package e2e_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"keyrelay/internal/fakes/rms"
)

// TestNothingSentFromOtherPages: every page that is not a revealed, current
// license page is classified for what it is and sends no key, whatever the
// markup.
func TestNothingSentFromOtherPages(t *testing.T) {
	e := newEnv(t, envOptions{Paired: true})
	st := e.h.store(t)
	goqKey := e.fake.Key(rms.GoQApp)

	type page struct {
		name   string
		url    string
		reveal bool
		kind   string
	}
	pages := []page{
		{"app list", rms.AppListURL(), false, "app_list"},
		{"main menu", rms.MainMenuURL(), false, "other"},
		{"applications menu", rms.ApplicationsURL(), false, "other"},
		{"service list", rms.ServiceListURL(), false, "other"},
	}
	for _, v := range rms.Variants {
		pages = append(pages,
			page{"masked " + string(v), rms.DetailVariantURL(rms.ShopApp, v), false, "license_masked"},
			page{"update pending " + string(v), rms.DetailVariantURL(rms.GoQApp, v), true, "license_update_pending"},
		)
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			tb := e.b.openTab(t, p.url)
			if p.reveal {
				tb.revealAsOperator(t)
			}
			d := e.detect(t, tb)
			if d.Kind != p.kind || d.Capturable {
				t.Errorf("detect = kind %q capturable %v (%s), want %s, not capturable", d.Kind, d.Capturable, d.ReasonEn, p.kind)
			}
			if d.Reason == "" {
				t.Errorf("detect gives the operator no reason on %s", p.name)
			}
			if strings.Contains(d.raw, goqKey) || strings.Contains(d.raw, e.fake.Key(rms.ShopApp)) {
				t.Fatal("keyrelayDetect returned a key")
			}
			if p.kind == "license_masked" && !d.RobotCheck {
				t.Error("masked page: robotCheck not reported")
			}
			got := e.capture(t, tb)
			if got.Status != "refused" || got.CaptureID != "" || got.Reason == "" {
				t.Errorf("keyrelayCapture = %+v, want refused with a reason and no capture id", got)
			}
			if p.kind == "license_masked" && tabEval[bool](t, tb, `document.querySelector('form#robotCheckForm input[type=checkbox]').checked`) {
				t.Error("the extension ticked the robot check")
			}
			if n := st.count(t); n != 0 {
				t.Fatalf("%d captures stored from %s", n, p.name)
			}
		})
	}

	t.Run("app list rows", func(t *testing.T) {
		tb := e.b.openTab(t, rms.AppListURL())
		d := e.detect(t, tb)
		if d.Listing == nil || len(d.Listing.Rows) != 2 {
			t.Fatalf("listing %+v, want 2 rows", d.Listing)
		}
		goq := d.Listing.Rows[1]
		if goq.Developer != "株式会社GoQSystem" || goq.KeyLast4 != "IANT" || goq.Expiry != "-" || !goq.UpdatePending {
			t.Errorf("GoQ row %+v", goq)
		}
		shop := d.Listing.Rows[0]
		if shop.Developer != "店舗様" || shop.KeyLast4 != "A9FR" || shop.Expiry != "2025/05/26" || shop.UpdatePending {
			t.Errorf("店舗様 row %+v", shop)
		}
	})
}

// TestMaskedKeysNeverSent: a revealed page whose key field still holds a
// mask, or a key that lost a character, is refused in the browser.
func TestMaskedKeysNeverSent(t *testing.T) {
	e := newEnv(t, envOptions{RMS: currentOptions(), Paired: true})
	st := e.h.store(t)
	for _, tc := range []struct{ name, key string }{
		{"XXXXXXXX", "XXXXXXXX"},
		{"末尾4桁", "末尾4桁: IANT"},
		{"Redacted", "[Redacted]"},
		{"bullets", "SL123456_●●●●●●●●A9FR"},
		{"lost last character", rms.ShopAppKey[:len(rms.ShopAppKey)-1]},
		{"lost first character", rms.ShopAppKey[1:]},
	} {
		for _, v := range rms.Variants {
			t.Run(tc.name+"/"+string(v), func(t *testing.T) {
				e.fake.SetKey(rms.ShopApp, tc.key)
				tb := e.b.openTab(t, rms.DetailVariantURL(rms.ShopApp, v))
				tb.revealAsOperator(t)
				got := e.capture(t, tb)
				if got.Status != "refused" || got.CaptureID != "" {
					t.Errorf("keyrelayCapture = %+v, want refused", got)
				}
				if n := st.count(t); n != 0 {
					t.Fatalf("%d captures stored", n)
				}
			})
		}
	}
}

// TestRobotCheckIsTheOperators: without the tick, 確認する shows an error and
// the page stays masked: nothing to capture.
func TestRobotCheckIsTheOperators(t *testing.T) {
	e := newEnv(t, envOptions{RMS: currentOptions(), Paired: true})
	tb := e.b.openTab(t, rms.DetailURL(rms.ShopApp))
	tb.do(t, "確認する without the tick",
		chromedp.Click(chromedp.Search(`//form[@id="robotCheckForm"]//button[normalize-space(.)="確認する"]`)),
		chromedp.WaitVisible(chromedp.Search(`//*[contains(., "チェックを入れてください")]`)),
	)
	if d := e.detect(t, tb); d.Kind != "license_masked" {
		t.Fatalf("kind %q, want license_masked", d.Kind)
	}
	if got := e.capture(t, tb); got.Status != "refused" {
		t.Fatalf("capture = %+v", got)
	}
	if n := e.h.store(t).count(t); n != 0 {
		t.Fatalf("%d captures", n)
	}
}
