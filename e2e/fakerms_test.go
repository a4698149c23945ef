//go:build demo

package e2e_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"keyrelay/internal/fakes/rms"
)

func startRMS(t testing.TB, opts rms.Options) *rms.Running {
	t.Helper()
	r, err := rms.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// TestFakeRMSInChromium checks the fake itself in the real browser, without
// the extension: the names resolve to it, its certificate is trusted, the
// operator's clicks reveal the key, and アップデートする asks before it acts.
func TestFakeRMSInChromium(t *testing.T) {
	fake := startRMS(t, rms.DefaultOptions())
	b := startBrowser(t, browserOptions{RMS: fake})

	t.Run("menu to app list by clicks", func(t *testing.T) {
		tb := b.openTab(t, rms.MainMenuURL())
		tb.do(t, "main menu → 店舗様向け 情報・サービス → 各種申請・設定変更 → 設定変更",
			chromedp.Click(chromedp.Search(`//a[normalize-space(.)="店舗様向け 情報・サービス"]`)),
			chromedp.WaitVisible(chromedp.Search(`//a[contains(., "各種申請・設定変更")]`)),
			chromedp.Click(chromedp.Search(`//a[contains(., "各種申請・設定変更")]`)),
			chromedp.WaitVisible(chromedp.CSS(`#webApiRow a.btn`)),
			chromedp.Click(chromedp.CSS(`#webApiRow a.btn`)),
			chromedp.WaitVisible(chromedp.CSS(`#appListTable`)),
		)
		if got := tabEval[string](t, tb, `location.href`); got != rms.AppListURL() {
			t.Fatalf("landed on %s, want %s", got, rms.AppListURL())
		}
		text := tabEval[string](t, tb, `document.body.innerText`)
		for _, want := range []string{"末尾4桁: IANT", "利用中 更新あり", "システムイベント通知サービスアクセス許可設定", "店舗ID：123456"} {
			if !strings.Contains(text, want) {
				t.Errorf("app list lacks %q", want)
			}
		}
	})

	for _, v := range rms.Variants {
		t.Run("reveal variant "+string(v), func(t *testing.T) {
			tb := b.openTab(t, rms.DetailVariantURL(rms.ShopApp, v))
			if text := tabEval[string](t, tb, `document.body.innerText`); strings.Contains(text, fake.Key(rms.ShopApp)) {
				t.Fatal("the masked page shows the key")
			}
			tb.revealAsOperator(t)
			got := tabEval[string](t, tb, `document.body.innerText + [...document.querySelectorAll('input')].map(i => i.value).join(' ')`)
			if !strings.Contains(got, fake.Key(rms.ShopApp)) {
				t.Fatalf("the revealed page does not show the key")
			}
		})
	}

	t.Run("update asks, then changes the key", func(t *testing.T) {
		tb := b.openTab(t, rms.DetailURL(rms.GoQApp))
		dialogs := tb.acceptDialogs(t)
		tb.revealAsOperator(t)
		tb.do(t, "アップデートする",
			chromedp.Click(chromedp.Search(`//button[normalize-space(.)="アップデートする"]`)),
			chromedp.WaitVisible(chromedp.CSS(`form#robotCheckForm`)),
		)
		if len(*dialogs) != 1 || (*dialogs)[0] != "アップデートしますか?" {
			t.Fatalf("dialogs %q, want one アップデートしますか?", *dialogs)
		}
		if got, want := fake.Key(rms.GoQApp), rms.GoQUpdatedKey; got != want {
			t.Fatalf("key after update %q, want %q", got, want)
		}
		tb.revealAsOperator(t)
		if text := tabEval[string](t, tb, `document.body.innerText`); !strings.Contains(text, "cabinet.folder.insert") || strings.Contains(text, "アップデートする") {
			t.Fatal("after the update the API list did not grow or the button stayed")
		}
	})

	t.Run("lookalike host is served and trusted", func(t *testing.T) {
		tb := b.openTab(t, rms.LookalikeURL(0))
		tb.do(t, "wait for its script", chromedp.WaitReady(chromedp.CSS(`body[data-done="1"]`)))
		if got := tabEval[string](t, tb, `location.host`); got != rms.LookalikeHost {
			t.Fatalf("host %s", got)
		}
	})
}
