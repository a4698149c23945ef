//go:build demo

package e2e_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"keyrelay/internal/fakes/rms"
	"keyrelay/internal/keyrelay"
)

// TestAgencyTwoShopsTwoBrowsers: an agency works on two shops from two
// paired browsers with one helper. Each browser's popup lists only its own
// captures, by shop name and ID, and never another browser's 要対応.
func TestAgencyTwoShopsTwoBrowsers(t *testing.T) {
	shopA := rms.Shop{ID: "111111", URL: "https://www.rakuten.co.jp/shop-a/", Name: "店舗エー"}
	shopB := rms.Shop{ID: "222222", URL: "https://www.rakuten.co.jp/shop-b/", Name: "店舗ビー"}
	optsA, optsB := currentOptions(), currentOptions()
	optsA.Shop, optsB.Shop = shopA, shopB
	optsB.Apps[1].Key = rms.GoQUpdatedKey
	// Shop B's GoQ key expires soon: B's own alert, and the proof below
	// that B's alerts were fetched.
	optsB.Apps[1].Expiry = rms.DateIn(time.Now(), 3)

	a := newEnv(t, envOptions{RMS: optsA, Paired: true})
	b := &env{fake: startRMS(t, *optsB), h: a.h}
	b.b = startBrowser(t, browserOptions{Extension: requireExtension(t), RMS: b.fake})
	mustSW[any](t, b.b, fmt.Sprintf(`keyrelaySetPort(%d)`, a.h.port))
	b.pair(t)

	names := map[string]string{}
	for _, p := range a.h.pairings(t) {
		names[p.ClientID] = p.Name
	}
	if len(names) != 2 {
		t.Fatalf("pairings %v", names)
	}
	var list []string
	for _, n := range names {
		list = append(list, n)
	}
	if list[0] == list[1] {
		t.Errorf("the two browsers have the same default name %q", list[0])
	}

	capture := func(e *env) string {
		tb := e.b.openTab(t, rms.DetailURL(rms.GoQApp))
		tb.revealAsOperator(t)
		got := e.capture(t, tb)
		if got.Status != "stored" {
			t.Fatalf("capture = %+v", got)
		}
		return got.CaptureID
	}
	capA, capB := capture(a), capture(b)
	b.b.openTab(t, rms.AppListURL()) // B's アプリ一覧: its expiry alert

	popA, popB := a.openPopup(t, nil), b.openPopup(t, nil)
	// Real: no GoQ login, so both wait; each is told about its own only.
	popA.expect(t, keyrelay.StateWaitingLogin, nil)
	popB.expect(t, keyrelay.StateWaitingLogin, nil)
	for _, c := range []struct {
		e          *env
		p          *popupPage
		mine, not  string
		own, other keyrelay.ShopRef
	}{
		{a, popA, capA, capB, keyrelay.ShopRef(shopA), keyrelay.ShopRef(shopB)},
		{b, popB, capB, capA, keyrelay.ShopRef(shopB), keyrelay.ShopRef(shopA)},
	} {
		st := c.e.state(t)
		if _, ok := st.Deliveries[c.mine]; !ok || len(st.Deliveries) != 1 {
			t.Errorf("%s: deliveries %v, want only %s", c.own.Name, st.Deliveries, c.mine)
		}
		text := c.p.text(t)
		if !strings.Contains(text, c.own.Name+"（"+c.own.ID+"）") {
			t.Errorf("%s's popup does not name its shop:\n%s", c.own.Name, text)
		}
		if strings.Contains(text, c.other.Name) || strings.Contains(text, c.other.ID) {
			t.Errorf("%s's popup shows the other shop:\n%s", c.own.Name, text)
		}
	}

	// Shop A's delivery gives up (as after failed attempts). Only A may be
	// told: B must never show A's 要対応.
	a.h.stop(t)
	db, err := sql.Open("sqlite3", filepath.Join(a.h.dataDir, "keyrelay.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE deliveries SET status = 'needs_attention', last_error = 'GoQSystemがキーを受け付けませんでした。'
		WHERE capture_id = (SELECT id FROM captures WHERE uuid = ?)`, capA); err != nil {
		t.Fatal(err)
	}
	db.Close()
	a.h.start(t)

	eventually(t, 60*time.Second, "A's 要対応 alert in A's popup", func() (bool, string) {
		st := a.state(t)
		for _, al := range st.Alerts {
			if al.Kind == keyrelay.AlertNeedsAttention && al.ShopName == shopA.Name {
				return a.badge(t).Text == "!", ""
			}
		}
		return false, fmt.Sprintf("%+v", st.Alerts)
	})
	// B reconnected and fetched its alerts: its own expiry alert is there,
	// and in the same answer no 要対応 of A's.
	eventually(t, 60*time.Second, "B's own expiry alert after the restart", func() (bool, string) {
		st := b.state(t)
		for _, al := range st.Alerts {
			if al.Kind == keyrelay.AlertExpiring && al.ShopName == shopB.Name && st.Connection == "authenticated" {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%+v", st)
	})
	for _, al := range b.state(t).Alerts {
		if al.ShopName != shopB.Name {
			t.Errorf("B got another shop's alert: %+v", al)
		}
	}
	if text := popB.text(t); strings.Contains(text, shopA.Name) {
		t.Errorf("B's popup shows shop A:\n%s", text)
	}
	eventually(t, 30*time.Second, "A's popup lists its 要対応 with what to do", func() (bool, string) {
		text := popA.text(t)
		for _, al := range a.state(t).Alerts {
			msg := map[string]string{"ja": al.Message, "en": al.MessageEn}[popA.lang(t)]
			if al.Kind == keyrelay.AlertNeedsAttention && strings.Contains(text, msg) {
				return true, ""
			}
		}
		return false, text
	})
	popA.screenshot(t, "agency_a")
	popB.screenshot(t, "agency_b")
}
