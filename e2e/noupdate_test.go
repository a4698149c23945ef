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

// TestCaptureWithoutUpdate: with アップデートする offered, the default stays
// "update first", and the popup offers 「更新せずに取得」 as a second action.
// It sends the key shown, records update_pending on the capture, and the
// update-pending alert stays.
func TestCaptureWithoutUpdate(t *testing.T) {
	e := newEnv(t, envOptions{Paired: true})
	st := e.h.store(t)
	tb := e.b.openTab(t, rms.DetailVariantURL(rms.GoQApp, rms.VariantTable))
	tb.revealAsOperator(t)

	p := e.openPopup(t, tb)
	eventually(t, 20*time.Second, "the second action on the popup", func() (bool, string) {
		visible := tabEval[bool](t, p.tab, `!document.getElementById('noUpdateRow').hidden && document.getElementById('capture').disabled`)
		return visible, p.text(t)
	})
	p.screenshot(t, "update_pending_page")

	if got := e.capture(t, tb); got.Status != "refused" {
		t.Fatalf("default capture = %+v, want refused (update first)", got)
	}
	// The operator's click on 「更新せずに取得」.
	tabEval[any](t, p.tab, `document.getElementById('captureNoUpdate').click()`)
	var c *keyrelay.Capture
	eventually(t, 20*time.Second, "the capture is stored", func() (bool, string) {
		all := st.all(t)
		if len(all) == 1 {
			c = all[0]
			return true, ""
		}
		return false, fmt.Sprint(len(all), " captures; popup:\n", p.text(t))
	})
	if !c.UpdatePending {
		t.Error("the capture does not record update_pending")
	}
	if key := st.key(t, c.ID); key != e.fake.Key(rms.GoQApp) {
		t.Error("the stored key is not the one shown")
	}
	eventually(t, 20*time.Second, "the update-pending alert stays", func() (bool, string) {
		s := e.state(t)
		for _, a := range s.Alerts {
			if a.Kind == keyrelay.AlertUpdatePending && strings.Contains(a.AppName, "GoQ") {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%+v", s.Alerts)
	})
}
