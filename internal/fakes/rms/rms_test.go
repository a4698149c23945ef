//go:build demo

package rms_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"keyrelay/internal/fakes/rms"
)

func start(t *testing.T, opts rms.Options) *rms.Running {
	t.Helper()
	r, err := rms.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func mustContain(t *testing.T, page string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func mustNotContain(t *testing.T, page string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(page, b) {
			t.Errorf("page contains %q", b)
		}
	}
}

func TestMenuPages(t *testing.T) {
	r := start(t, rms.DefaultOptions())
	c := r.Client()
	for _, tc := range []struct {
		name string
		url  string
		want []string
	}{
		{"main menu", rms.MainMenuURL(), []string{"メインメニュー", "店舗様向け 情報・サービス"}},
		{"shop info", rms.ShopInfoURL(), []string{"各種申請・設定変更", "WEB APIサービス", "物流支援サービス"}},
		{"applications", rms.ApplicationsURL(), []string{"WEB APIサービスアクセス許可設定", "設定変更", rms.AppListURL()}},
		{"service list", rms.ServiceListURL(), []string{"サービス一覧", "アプリ一覧", "障害情報(試験運用中)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, page := get(t, c, tc.url)
			if code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			mustContain(t, page, tc.want...)
			mustContain(t, page, "店舗名：", "サンプル店", "店舗ID：", "123456", "店舗URL：", "https://www.rakuten.co.jp/example/")
		})
	}
}

func TestAppList(t *testing.T) {
	r := start(t, rms.DefaultOptions())
	soon := rms.DateIn(time.Now(), 2)
	r.SetExpiry(rms.ShopApp, soon)
	code, page := get(t, r.Client(), rms.AppListURL())
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	mustContain(t, page,
		"WEB APIアクセス許可設定", "システムイベント通知サービスアクセス許可設定",
		"店舗様", "(アプリ名を登録してください)", "末尾4桁: A9FR", soon,
		"株式会社GoQSystem", "GoQ System (ごくシステム)", "末尾4桁: IANT", `利用中 <span class="is-update">更新あり</span>`,
		"受注情報通知", "2014/10/06 09:00:00", "問い合わせユーザアクション通知",
		`href="/merchant-portal/apps/goq"`,
	)
	mustNotContain(t, page, rms.ShopAppKey, rms.GoQAppKey)

	t.Run("keyword", func(t *testing.T) {
		_, page := get(t, r.Client(), rms.AppListURL()+"?keyword="+url.QueryEscape("GoQ"))
		mustContain(t, page, "末尾4桁: IANT")
		mustNotContain(t, page, "末尾4桁: A9FR")
	})
}

func TestDetailRevealsOnlyWithTheBox(t *testing.T) {
	for _, v := range rms.Variants {
		t.Run(string(v), func(t *testing.T) {
			r := start(t, rms.DefaultOptions())
			c := r.Client()
			key := r.Key(rms.GoQApp)

			code, masked := get(t, c, rms.DetailVariantURL(rms.GoQApp, v))
			if code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			mustContain(t, masked, "ライセンス情報", "XXXXXXXX", "ロボットによる操作ではありません", "確認する", "更新あり", `name="variant" value="`+string(v)+`"`)
			mustNotContain(t, masked, key, "IANT", "アップデートする")

			resp, unticked := post(t, c, rms.RevealURL(rms.GoQApp), url.Values{"variant": {string(v)}})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			mustContain(t, unticked, "チェックを入れてください", "XXXXXXXX")
			mustNotContain(t, unticked, key)
			if got := r.Reveals(); got != 0 {
				t.Fatalf("reveals = %d after an unticked post", got)
			}

			_, revealed := post(t, c, rms.RevealURL(rms.GoQApp), url.Values{"variant": {string(v)}, "not_robot": {"on"}})
			mustContain(t, revealed, key, "システム開発企業", "株式会社GoQ System", "アプリ名", "概要", "アプリURL", "http://goqsystem.com/",
				"有効期限", "ライセンスキー", "承認状態", "アプリが利用するAPIリスト", "cabinet.file.delete", "shop.shopStatus.get",
				"アップデートする", "アップデートしますか?")
			mustNotContain(t, revealed, "XXXXXXXX", "cabinet.folder.insert")
			if got := r.Reveals(); got != 1 {
				t.Fatalf("reveals = %d, want 1", got)
			}
		})
	}
}

func TestVariantsDiffer(t *testing.T) {
	r := start(t, rms.DefaultOptions())
	marks := map[rms.Variant]string{
		rms.VariantTable: `<th>ライセンスキー</th><td>` + rms.ShopAppKey + `</td>`,
		rms.VariantLines: "ライセンスキー：\n",
		rms.VariantGrid:  `readonly value="` + rms.ShopAppKey + `"`,
	}
	for v, mark := range marks {
		t.Run(string(v), func(t *testing.T) {
			_, page := post(t, r.Client(), rms.RevealURL(rms.ShopApp), url.Values{"variant": {string(v)}, "not_robot": {"on"}})
			mustContain(t, page, mark)
			for other, m := range marks {
				if other != v && strings.Contains(page, m) {
					t.Errorf("variant %s also has %s's markup %q", v, other, m)
				}
			}
		})
	}

	t.Run("cookie and default", func(t *testing.T) {
		req, _ := http.NewRequest("GET", rms.DetailURL(rms.ShopApp), nil)
		req.AddCookie(&http.Cookie{Name: "rms_variant", Value: "c"})
		resp, err := r.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		mustContain(t, string(b), `name="variant" value="c"`)

		r.SetVariant(rms.VariantLines)
		_, page := get(t, r.Client(), rms.DetailURL(rms.ShopApp))
		mustContain(t, page, `name="variant" value="b"`)
	})
}

func TestUpdateFlow(t *testing.T) {
	r := start(t, rms.DefaultOptions())
	c := r.Client()
	before, _ := r.App(rms.GoQApp)

	resp, _ := post(t, c, rms.UpdateURL(rms.GoQApp), url.Values{"variant": {"b"}})
	if got, want := resp.StatusCode, http.StatusSeeOther; got != want {
		t.Fatalf("status %d, want %d", got, want)
	}
	if got, want := resp.Header.Get("Location"), "/merchant-portal/apps/goq?variant=b"; got != want {
		t.Fatalf("Location %q, want %q", got, want)
	}
	after, _ := r.App(rms.GoQApp)
	if got, want := after.Key, rms.GoQUpdatedKey; got != want {
		t.Errorf("key %q, want %q", got, want)
	}
	if got, want := len(after.APIs), len(before.APIs)+len(rms.SeedUpdateAPIs); got != want {
		t.Errorf("%d APIs, want %d", got, want)
	}
	if after.Update != nil || after.ListedState() != "利用中" {
		t.Errorf("update still pending: %q", after.ListedState())
	}

	_, page := post(t, c, rms.RevealURL(rms.GoQApp), url.Values{"not_robot": {"on"}})
	mustContain(t, page, rms.GoQUpdatedKey, "cabinet.folder.insert")
	mustNotContain(t, page, rms.GoQAppKey, "アップデートする")
	_, list := get(t, c, rms.AppListURL())
	mustContain(t, list, "末尾4桁: Q4ZE")
	mustNotContain(t, list, "更新あり")

	resp, _ = post(t, c, rms.UpdateURL(rms.GoQApp), nil)
	if got, want := resp.StatusCode, http.StatusConflict; got != want {
		t.Fatalf("second update: status %d, want %d", got, want)
	}
	if got := r.Updates(); got != 1 {
		t.Fatalf("updates = %d, want 1", got)
	}
}

func TestHostsAndErrors(t *testing.T) {
	r := start(t, rms.DefaultOptions())
	c := r.Client()
	for _, tc := range []struct {
		name string
		url  string
		want int
	}{
		{"unknown host", "https://127.0.0.1/", http.StatusMisdirectedRequest},
		{"unknown app", rms.DetailURL("nope"), http.StatusNotFound},
		{"webservice root", "https://" + rms.WebServiceHost + "/", http.StatusSeeOther},
		{"placeholder", "https://" + rms.WebServiceHost + "/merchant-portal/register", http.StatusOK},
		{"menu path on the other host", "https://" + rms.MainMenuHost + "/merchant-portal/apps", http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", tc.url, nil)
			if tc.name == "unknown host" {
				req.Host = "127.0.0.1"
			}
			resp, err := c.Do(req)
			if err != nil {
				// The leaf has no 127.0.0.1 SAN: the refusal happens in TLS.
				if tc.name == "unknown host" {
					return
				}
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
}

func TestLookalike(t *testing.T) {
	r := start(t, rms.DefaultOptions())
	_, page := get(t, r.Client(), rms.LookalikeURL(27415))
	mustContain(t, page, rms.LookalikeKey, "chrome.runtime.sendMessage", "hmjiaalllchlmocaaeoddlpmanbcflgl")
	if got, want := rms.LookalikeURL(27415), "https://evil.example/?port=27415"; got != want {
		t.Fatalf("LookalikeURL = %q, want %q", got, want)
	}
}

func TestOptionsAreCopied(t *testing.T) {
	opts := rms.DefaultOptions()
	r := rms.New(opts)
	opts.Apps[0].Key = "changed"
	opts.Apps[1].APIs[0].Name = "changed"
	if got := r.Key(rms.ShopApp); got != rms.ShopAppKey {
		t.Fatalf("key %q changed through the caller's options", got)
	}
	a, _ := r.App(rms.GoQApp)
	a.APIs[0].Name = "changed again"
	b, _ := r.App(rms.GoQApp)
	if b.APIs[0].Name != "cabinet.file.delete" {
		t.Fatalf("App returned shared state")
	}
}
