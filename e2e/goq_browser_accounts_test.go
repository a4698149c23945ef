//go:build demo

package e2e_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/fakes/rms"
	"keyrelay/internal/keyrelay"
)

// Browser mode and GoQ accounts (docs/GOQ-BROWSER.md, "Which GoQ account"):
// a shop's key goes only into the shop's own GoQ account, whichever account
// the operator's browser happens to be logged in to.

const (
	goqAccountA, goqPasswordA = "goq-shop-a", "pw-of-shop-a-2025"
	goqAccountB, goqPasswordB = "goq-shop-b", "pw-of-shop-b-2025"
	goqShopB                  = "654321"
)

// withoutKey is a copy of settings without the key, to compare "nothing
// else changed".
func withoutKey(m map[string]string) map[string]string {
	c := maps.Clone(m)
	delete(c, fakegoq.FieldLicenseKey)
	return c
}

// goqKey is a GoQ app key of the fake RMS's shape, ending in tail.
func goqKey(tail string) string { return rms.GoQAppKey[:len(rms.GoQAppKey)-4] + tail }

// TestGoQBrowserModeTwoAccounts is the issue's "two shops in two GoQ
// accounts", in two Chromium profiles (separate user-data-dirs), both paired
// with the same helper, against one fake GoQ holding both accounts under its
// real name. Shop A's key is captured in browser 1 (logged in to account A),
// shop B's in browser 2 (account B): each account ends with its own shop's
// key, one save each, nothing else changed in either. Then browser 1 is
// logged in to account B when shop A's next key arrives: nothing is posted
// to B (its settings unchanged), the delivery waits, not green, naming both
// accounts, and the history shows the refusal; once browser 1 logs in to
// account A again, the delivery resumes by itself and is verified in A.
func TestGoQBrowserModeTwoAccounts(t *testing.T) {
	requireChromium(t)
	ext := requireExtension(t)
	grantGoQ(t, ext)
	g := startGoQServer(t)
	fake := g.use(fakegoq.New(fakegoq.Options{LoginID: goqAccountA, Password: goqPasswordA,
		Settings: map[string]string{fakegoq.FieldMemo: "A店のメモ", fakegoq.FieldGetDays: "7"},
		MoreAccounts: []fakegoq.AccountOptions{{LoginID: goqAccountB, Password: goqPasswordB,
			Settings: map[string]string{fakegoq.FieldMemo: "B店のメモ", fakegoq.FieldGetDays: "14", fakegoq.FieldShopURL: "https://www.rakuten.co.jp/other/"}}}}))
	accA, accB := fake.Account(goqAccountA), fake.Account(goqAccountB)

	h := newHelper(t)
	h.start(t)
	optsA := *currentOptions()
	optsB := *currentOptions()
	optsB.Shop = rms.Shop{ID: goqShopB, URL: "https://www.rakuten.co.jp/other/", Name: "別のサンプル店"}
	open := func(o rms.Options) *goqEnv {
		e := &env{fake: startRMS(t, o), h: h}
		e.b = startBrowser(t, browserOptions{Extension: ext, RMS: e.fake, Flags: g.flags()})
		mustSW[any](t, e.b, fmt.Sprintf(`keyrelaySetPort(%d)`, h.port))
		e.pair(t)
		return &goqEnv{env: e, goq: g}
	}
	b1, b2 := open(optsA), open(optsB)
	b1.fake.SetKey(rms.GoQApp, goqKey("AAA1"))
	b2.fake.SetKey(rms.GoQApp, goqKey("BBB1"))
	h.cli(t, "goq", "set-mode", "--shop", goqShop, "browser", "--account", goqAccountA)
	h.cli(t, "goq", "set-mode", "--shop", goqShopB, "browser", "--account", goqAccountB)

	tab1 := b1.b.openTab(t, goqBase)
	loginGoQAs(t, tab1, goqAccountA, goqPasswordA)
	tab2 := b2.b.openTab(t, goqBase)
	loginGoQAs(t, tab2, goqAccountB, goqPasswordB)
	beforeA, beforeB := accA.Settings(), accB.Settings()

	idA, keyA := b1.captureGoQKey(t)
	idB, keyB := b2.captureGoQKey(t)
	if keyA == keyB {
		t.Fatal("the two shops' keys are the same; the test could not tell them apart")
	}
	dA := b1.waitDelivery(t, idA, keyrelay.DeliveryDelivered, 90*time.Second)
	dB := b2.waitDelivery(t, idB, keyrelay.DeliveryDelivered, 90*time.Second)
	if accA.StoredKey() != keyA || accB.StoredKey() != keyB {
		t.Fatalf("account A holds shop A's key: %v; account B holds shop B's: %v", accA.StoredKey() == keyA, accB.StoredKey() == keyB)
	}
	if !maps.Equal(withoutKey(beforeA), withoutKey(accA.Settings())) || !maps.Equal(withoutKey(beforeB), withoutKey(accB.Settings())) {
		t.Fatalf("other settings changed:\nA %v → %v\nB %v → %v", beforeA, accA.Settings(), beforeB, accB.Settings())
	}
	for _, a := range []fakegoq.Account{accA, accB} {
		if got := a.LastChanged(); a.PostCount() != 1 || !slices.Equal(got, []string{fakegoq.FieldLicenseKey}) {
			t.Fatalf("%d saves changing %v, want one changing only the key", a.PostCount(), got)
		}
	}
	if dA.LoginID != goqAccountA || dB.LoginID != goqAccountB {
		t.Fatalf("recorded accounts: shop A by %s, shop B by %s", dA.LoginID, dB.LoginID)
	}
	afterB := accB.Settings()

	// Browser 1's operator logs out and into account B; then shop A's next
	// key arrives.
	logoutGoQ(t, tab1)
	loginGoQAs(t, tab1, goqAccountB, goqPasswordB)
	b1.fake.SetKey(rms.GoQApp, goqKey("AAA2"))
	idA2, keyA2 := b1.captureGoQKey(t)
	d := b1.waitDelivery(t, idA2, keyrelay.DeliveryWaitingAccount, 90*time.Second)
	wantSaid := "GoQに別のアカウント（" + goqAccountB + "）でログインしています。このショップのGoQアカウント（" + goqAccountA + "）でログインし直してください"
	if !strings.Contains(d.LastError, wantSaid) || d.LoginID != goqAccountB {
		t.Fatalf("wrong account: %q by %s, want %q", d.LastError, d.LoginID, wantSaid)
	}
	if !maps.Equal(afterB, accB.Settings()) || accB.PostCount() != 1 || accA.StoredKey() != keyA {
		t.Fatalf("something was posted while logged in to the wrong account: B changed %v, B saves %d", !maps.Equal(afterB, accB.Settings()), accB.PostCount())
	}
	_, as := b1.delivery(t, idA2)
	if len(as) != 1 || as[0].Result != keyrelay.DeliveryWaitingAccount || as[0].LoginID != goqAccountB || !strings.Contains(as[0].Error, wantSaid) {
		t.Fatalf("attempts %+v, want the refusal by %s", as, goqAccountB)
	}
	if hist := h.cli(t, "history"); !strings.Contains(hist, "goq:"+keyrelay.DeliveryWaitingAccount+" ["+wantSaid) {
		t.Fatalf("keyrelay history does not show why the delivery waits:\n%s", hist)
	} else if _, row, _ := strings.Cut(hist, keyrelay.DeliveryWaitingAccount); strings.Contains(strings.SplitN(row, "\n", 2)[0], "[GoQログイン") {
		t.Fatalf("keyrelay history names the GoQ tab's account as shop A's login:\n%s", hist)
	}
	if hist := h.cli(t, "history", "--json"); !strings.Contains(hist, wantSaid) {
		t.Fatalf("keyrelay history --json does not say why:\n%s", hist)
	}
	if s := b1.goqState(t); s.Account == nil || !strings.Contains(s.Account.Message, wantSaid) {
		t.Fatalf("the popup's state does not say it: %+v", s.Account)
	}
	if badge := mustSW[string](t, b1.b, fmt.Sprintf(`chrome.action.getBadgeText({tabId: %d})`, tab1.id)); badge != "!" {
		t.Errorf("the GoQ tab's badge is %q, want !", badge)
	}
	popup := b1.openPopup(t, nil)
	eventually(t, 10*time.Second, "the popup names both accounts", func() (bool, string) {
		text := popup.text(t)
		return strings.Contains(text, "（"+goqAccountB+"）") && strings.Contains(text, "（"+goqAccountA+"）") ||
			strings.Contains(text, "("+goqAccountB+")") && strings.Contains(text, "("+goqAccountA+")"), text
	})
	popup.screenshot(t, "waiting_account_named")
	popup.tab.close()
	pageScreenshots(t, b1.b, h, "/", "/settings")

	// The operator logs in to account A again: it resumes by itself.
	logoutGoQ(t, tab1)
	loginGoQAs(t, tab1, goqAccountA, goqPasswordA)
	d = b1.waitDelivery(t, idA2, keyrelay.DeliveryDelivered, 90*time.Second)
	if accA.StoredKey() != keyA2 || d.LoginID != goqAccountA || accA.PostCount() != 2 {
		t.Fatalf("after logging in to A: A holds the new key %v, by %s, %d saves", accA.StoredKey() == keyA2, d.LoginID, accA.PostCount())
	}
	if !maps.Equal(afterB, accB.Settings()) || accB.PostCount() != 1 {
		t.Fatal("account B was touched")
	}
	if s := b1.goqState(t); s.Account != nil {
		t.Errorf("the popup still reports the account: %+v", s.Account)
	}
}

// TestGoQBrowserModeAccountNotShown: a GoQ page that does not show which
// account is logged in cannot be checked: nothing is typed or posted, and
// the delivery waits saying exactly that.
func TestGoQBrowserModeAccountNotShown(t *testing.T) {
	e := newGoQEnv(t, true)
	fake := e.goq.use(fakegoq.New(fakegoq.Options{AccountStyle: fakegoq.AccountHidden}))
	e.loginGoQ(t, e.b.openTab(t, goqBase))
	before := fake.Settings()
	id, _ := e.captureGoQKey(t)
	d := e.waitDelivery(t, id, keyrelay.DeliveryWaitingAccount, 90*time.Second)
	if !strings.Contains(d.LastError, "ログイン中のアカウントが表示されていないため、このショップのGoQアカウント（"+fakegoq.DefaultLoginID+"）か確認できません。送信していません。") {
		t.Fatalf("no account shown: %q", d.LastError)
	}
	if fake.PostCount() != 0 || !maps.Equal(before, fake.Settings()) {
		t.Fatal("GoQ was posted to without the account being checked")
	}
}

// pageScreenshots saves history pages as the operator sees them, logged in
// through `keyrelay open --print`, when KEYRELAY_SCREENSHOTS names a
// directory (docs/TESTING.md).
func pageScreenshots(t testing.TB, b *browser, h *helper, paths ...string) {
	t.Helper()
	dir := os.Getenv("KEYRELAY_SCREENSHOTS")
	if dir == "" {
		return
	}
	login := strings.TrimSpace(strings.SplitN(h.cli(t, "open", "--print"), "\n", 2)[0])
	tb := b.openTab(t, login)
	defer tb.close()
	tb.do(t, "viewport", chromedp.EmulateViewport(1100, 900))
	for _, p := range paths {
		tb.navigate(t, fmt.Sprintf("http://127.0.0.1:%d%s", h.port, p))
		ctx, cancel := context.WithTimeout(tb.ctx, extTimeout)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		cancel()
		if err != nil {
			t.Fatalf("screenshot of %s: %v", p, err)
		}
		name := "page" + strings.NewReplacer("/", "_").Replace(p) + ".png"
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Error(err)
		}
	}
}
