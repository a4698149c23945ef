//go:build demo

package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

// TestRefusedAppListNotResent: an アプリ一覧 visit waiting in the extension's
// session storage that the helper refuses (its shop id is over the domain's
// limit) is sent once, refused, and dropped: it is not kept to be resent on
// every reconnect.
func TestRefusedAppListNotResent(t *testing.T) {
	e := newEnv(t, envOptions{Paired: true})
	st := e.h.store(t)
	shopID := strings.Repeat("9", keyrelay.MaxShopIDLen+1)
	mustSW[any](t, e.b, fmt.Sprintf(`chrome.storage.session.set({appListUnsent: {
		shop: {id: %q, url: "", name: "店"}, page_url: "https://webservice.rms.rakuten.co.jp/merchant-portal/apps",
		seen_at: new Date().toISOString(),
		rows: [{developer: "d", app_name: "GoQ System (ごくシステム)", key_last4: "IANT", expiry: "-", state: "利用中", update_pending: false}]}
	}).then(() => keyrelaySetPort(%d))`, shopID, e.h.port))

	refused := func() int {
		evs, err := sqlite.NewAuditService(st.db).FindAuditEvents(context.Background(), keyrelay.AuditFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ev := range evs {
			if ev.Kind == keyrelay.AuditMessageRefused && strings.Contains(ev.Reason, "shop fields") {
				n++
			}
		}
		return n
	}
	eventually(t, 30*time.Second, "the helper refuses the listing and the extension drops it", func() (bool, string) {
		waiting := mustSW[bool](t, e.b, `chrome.storage.session.get('appListUnsent').then(x => !!x.appListUnsent)`)
		return refused() == 1 && !waiting, fmt.Sprintf("refusals %d, still waiting to be sent: %v", refused(), waiting)
	})
	if rows, err := st.apps.FindAppStatuses(context.Background()); err != nil || len(rows) != 0 {
		t.Errorf("app statuses %v (%v), want none from a refused listing", rows, err)
	}
}
