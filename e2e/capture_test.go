//go:build demo

package e2e_test

import (
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"keyrelay/internal/fakes/rms"
	"keyrelay/internal/keyrelay"
)

// currentOptions is the seed's shop with the GoQ update already applied, so
// both apps can be captured.
func currentOptions() *rms.Options {
	o := rms.DefaultOptions()
	o.Apps[1].Update = nil
	return &o
}

// TestCaptureEachMarkup is issue 3's main path, for every markup of the
// ライセンス情報 page and both key shapes: the operator reveals the key, the
// extension's own capture path sends it, and the helper's database holds
// exactly that key and its context.
func TestCaptureEachMarkup(t *testing.T) {
	e := newEnv(t, envOptions{RMS: currentOptions(), Paired: true})
	st := e.h.store(t)
	shop := e.fake.Shop()

	for _, v := range rms.Variants {
		for _, appID := range []string{rms.ShopApp, rms.GoQApp} {
			t.Run(string(v)+"/"+appID, func(t *testing.T) {
				app, _ := e.fake.App(appID)
				tb := e.b.openTab(t, rms.DetailVariantURL(appID, v))
				tb.revealAsOperator(t)
				pageURL := tabEval[string](t, tb, `location.href`)
				before := st.count(t)

				got := e.capture(t, tb)
				if got.Status != "stored" || got.CaptureID == "" {
					t.Fatalf("keyrelayCapture = %+v, want stored", got)
				}
				if got.Kind != "license_revealed" || got.KeyLast4 != keyrelay.KeyLast4(app.Key) {
					t.Errorf("kind %q last4 %q, want license_revealed %q", got.Kind, got.KeyLast4, keyrelay.KeyLast4(app.Key))
				}
				if n := st.count(t); n != before+1 {
					t.Fatalf("%d captures stored, want %d", n, before+1)
				}

				c := st.byUUID(t, got.CaptureID)
				if key := st.key(t, c.ID); key != app.Key {
					t.Fatalf("stored key differs from the page's (last4 %q vs %q, len %d vs %d)",
						keyrelay.KeyLast4(key), keyrelay.KeyLast4(app.Key), len(key), len(app.Key))
				}
				for _, f := range []struct{ name, got, want string }{
					{"app_name", c.AppName, app.Name},
					{"developer", c.Developer, app.Developer},
					{"app_url", c.AppURL, app.URL},
					{"expiry", c.Expiry, app.Expiry},
					{"state", c.State, app.State},
					{"shop id", c.Shop.ID, shop.ID},
					{"shop url", c.Shop.URL, shop.URL},
					{"shop name", c.Shop.Name, shop.Name},
					{"page_url", c.PageURL, pageURL},
					{"key_last4", c.KeyLast4, keyrelay.KeyLast4(app.Key)},
				} {
					if f.got != f.want {
						t.Errorf("%s = %q, want %q", f.name, f.got, f.want)
					}
				}
				if c.UpdatePending {
					t.Error("update_pending set on a current app")
				}
				if !slices.Equal(apiNames(c.APIs), rmsAPINames(app.APIs)) {
					t.Errorf("apis %v, want %v", apiNames(c.APIs), rmsAPINames(app.APIs))
				}
				for i, a := range c.APIs {
					if i < len(app.APIs) && a.Description != app.APIs[i].Description {
						t.Errorf("api %s description %q, want %q", a.Name, a.Description, app.APIs[i].Description)
					}
				}
				eventually(t, 10*time.Second, "the extension reports the capture stored", func() (bool, string) {
					s := e.state(t)
					return s.Outbox == 0 && s.Deliveries[got.CaptureID] != "", s.Deliveries[got.CaptureID]
				})
			})
		}
	}
}

// TestUpdateThenCapture is the seed's 【7】 flow: the update-pending page is
// refused, アップデートする (with its confirm) changes the key, and the key
// captured after revealing again is the new one with the longer API list.
func TestUpdateThenCapture(t *testing.T) {
	e := newEnv(t, envOptions{Paired: true})
	st := e.h.store(t)
	old := e.fake.Key(rms.GoQApp)

	tb := e.b.openTab(t, rms.DetailVariantURL(rms.GoQApp, rms.VariantTable))
	dialogs := tb.acceptDialogs(t)
	tb.revealAsOperator(t)

	d := e.detect(t, tb)
	if d.Kind != "license_update_pending" || d.Capturable || !d.UpdatePending {
		t.Fatalf("detect = kind %q capturable %v updatePending %v, want license_update_pending, not capturable", d.Kind, d.Capturable, d.UpdatePending)
	}
	if got := e.capture(t, tb); got.Status != "refused" || got.Reason == "" {
		t.Fatalf("capture on the update-pending page = %+v, want refused with a reason", got)
	}
	if n := st.count(t); n != 0 {
		t.Fatalf("%d captures stored from the update-pending page", n)
	}

	tb.do(t, "アップデートする → OK",
		chromedp.Click(chromedp.Search(`//button[normalize-space(.)="アップデートする"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form#robotCheckForm`)),
	)
	if len(*dialogs) != 1 {
		t.Fatalf("confirm dialogs %q, want one", *dialogs)
	}
	tb.revealAsOperator(t)
	got := e.capture(t, tb)
	if got.Status != "stored" {
		t.Fatalf("capture after the update = %+v, want stored", got)
	}
	c := st.byUUID(t, got.CaptureID)
	app, _ := e.fake.App(rms.GoQApp)
	if key := st.key(t, c.ID); key != app.Key || key == old {
		t.Fatalf("stored key is not the updated one (last4 %q, want %q)", keyrelay.KeyLast4(key), keyrelay.KeyLast4(app.Key))
	}
	if c.UpdatePending {
		t.Error("update_pending still set after the update")
	}
	if got, want := apiNames(c.APIs), rmsAPINames(app.APIs); !slices.Equal(got, want) || len(got) != len(rms.SeedAPIs)+len(rms.SeedUpdateAPIs) {
		t.Errorf("apis %v, want %v", got, want)
	}
}

func apiNames(as []keyrelay.API) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name)
	}
	return out
}

func rmsAPINames(as []rms.API) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name)
	}
	return out
}
