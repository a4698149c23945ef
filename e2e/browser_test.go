//go:build demo

package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"keyrelay/internal/fakes/rms"
)

const chromiumPath = "/usr/bin/chromium"

// requireChromium skips a browser test on a developer machine without
// Debian's chromium; under CI (where `make test` installs it) that is a failure.
func requireChromium(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("skipping browser test: %s not found (run `make test-deps`, or `sudo apt-get install chromium`); set CI=true to make this a failure", chromiumPath)
		}
		t.Fatalf("%s not found under CI: `make test` should have installed it (scripts/ensure-test-deps.sh): %v", chromiumPath, err)
	}
}

type browserOptions struct {
	// Extension is the unpacked extension directory; "" loads none.
	Extension string
	// RMS is the fake whose names the browser resolves and whose
	// certificate it trusts.
	RMS *rms.Running
	// Flags are more Chromium flags; host-resolver-rules and
	// ignore-certificate-errors-spki-list are joined with the RMS fake's
	// (another fake under its real name, e.g. the GoQ one).
	Flags map[string]string
}

// browser is one headless Chromium with a fresh profile.
type browser struct {
	t     testing.TB
	ctx   context.Context // the first tab; owns the browser process
	extID string

	swMu     sync.Mutex
	swCtx    context.Context
	swCancel context.CancelFunc
	swID     target.ID
}

func startBrowser(t testing.TB, o browserOptions) *browser {
	t.Helper()
	requireChromium(t)
	profile := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(profile),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		// Extensions need the new headless mode.
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("mute-audio", true),
	}
	flags := map[string]string{}
	if o.RMS != nil {
		flags = o.RMS.ChromiumFlags()
	}
	for k, v := range o.Flags {
		switch {
		case flags[k] != "" && k == "host-resolver-rules":
			flags[k] += ", " + v
		case flags[k] != "" && k == "ignore-certificate-errors-spki-list":
			flags[k] += "," + v
		default:
			flags[k] = v
		}
	}
	for k, v := range flags {
		opts = append(opts, chromedp.Flag(k, v))
	}
	if o.Extension != "" {
		opts = append(opts,
			chromedp.Flag("load-extension", o.Extension),
			chromedp.Flag("disable-extensions-except", o.Extension),
		)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	b := &browser{t: t, ctx: ctx}
	startCtx, cancelStart := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancelStart()
	go func() {
		<-startCtx.Done()
		if errors.Is(startCtx.Err(), context.DeadlineExceeded) {
			cancel()
		}
	}()
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	if o.Extension != "" {
		info, err := b.waitSW(20 * time.Second)
		if err != nil {
			t.Fatalf("the extension in %s did not start its service worker: %v (is manifest.json valid? load it in chrome://extensions to see the error)", o.Extension, err)
		}
		b.extID = strings.TrimPrefix(info.URL, "chrome-extension://")
		b.extID = b.extID[:strings.Index(b.extID, "/")]
	}
	return b
}

// extTimeout bounds one browser step. Generous: 2 cores, -race, 7 engineers.
const extTimeout = 30 * time.Second

// findSW lists the extension's service worker target, if it runs.
func (b *browser) findSW() (*target.Info, error) {
	infos, err := chromedp.Targets(b.ctx)
	if err != nil {
		return nil, err
	}
	prefix := "chrome-extension://"
	if b.extID != "" {
		prefix += b.extID + "/"
	}
	for _, in := range infos {
		if in.Type == "service_worker" && strings.HasPrefix(in.URL, prefix) {
			return in, nil
		}
	}
	return nil, errNoSW
}

var errNoSW = errors.New("no running extension service worker")

func (b *browser) waitSW(d time.Duration) (*target.Info, error) {
	deadline := time.Now().Add(d)
	for {
		in, err := b.findSW()
		if err == nil || time.Now().After(deadline) {
			return in, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sw returns a context attached to the running service worker, attaching
// again when the worker was restarted since the last call.
func (b *browser) sw() (context.Context, error) {
	b.swMu.Lock()
	defer b.swMu.Unlock()
	in, err := b.waitSW(15 * time.Second)
	if err != nil {
		return nil, err
	}
	if b.swCtx != nil && b.swID == in.TargetID && b.swCtx.Err() == nil {
		return b.swCtx, nil
	}
	if b.swCancel != nil {
		b.swCancel()
	}
	// Detach on cancel: closing the worker target is for tests that mean it.
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithTargetID(in.TargetID), chromedp.WithDetachOnCancel())
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		return nil, fmt.Errorf("attaching to the service worker: %w", err)
	}
	b.swCtx, b.swCancel, b.swID = ctx, cancel, in.TargetID
	b.t.Cleanup(cancel)
	return ctx, nil
}

// forgetSW drops the attachment, e.g. after stopping the worker.
func (b *browser) forgetSW() {
	b.swMu.Lock()
	defer b.swMu.Unlock()
	if b.swCancel != nil {
		b.swCancel()
	}
	b.swCtx, b.swCancel, b.swID = nil, nil, ""
}

// swEval evaluates expr (awaiting a promise) in the extension's service
// worker and decodes the result into T. A worker that went away in between
// is found and attached again, once.
func swEval[T any](b *browser, expr string) (T, error) {
	var zero T
	for attempt := 0; ; attempt++ {
		ctx, err := b.sw()
		if err != nil {
			return zero, err
		}
		tctx, cancel := context.WithTimeout(ctx, extTimeout)
		v, err := chromedp.Run(tctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
		cancel()
		var exc *chromedp.ExceptionError
		if err == nil || errors.As(err, &exc) || attempt == 1 {
			return v, err
		}
		b.forgetSW()
	}
}

func mustSW[T any](t testing.TB, b *browser, expr string) T {
	t.Helper()
	v, err := swEval[T](b, expr)
	if err != nil {
		t.Fatalf("service worker: %s: %v", firstLine(expr), err)
	}
	return v
}

// tab is one page of the browser, with the extension's id for it.
type tab struct {
	ctx   context.Context
	id    int64 // chrome.tabs id, for keyrelayCapture(tabId)
	b     *browser
	close context.CancelFunc
}

// openTab opens url in a new tab made by CDP. With an extension loaded, the
// tab's chrome.tabs id is the one id that appeared meanwhile: that needs no
// "tabs" permission and works on hosts the extension cannot see. (A tab made
// by chrome.tabs.create and then attached by CDP stops answering after its
// first cross-site navigation in Chromium 156, so the browser makes it.)
func (b *browser) openTab(t testing.TB, url string) *tab {
	t.Helper()
	const listIDs = `chrome.tabs.query({}).then(ts => ts.map(t => t.id))`
	var before []int64
	if b.extID != "" {
		before = mustSW[[]int64](t, b, listIDs)
	}
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("new tab: %v", err)
	}
	tb := &tab{ctx: ctx, b: b, close: cancel}
	if b.extID != "" {
		deadline := time.Now().Add(10 * time.Second)
		for tb.id == 0 {
			var fresh []int64
			for _, id := range mustSW[[]int64](t, b, listIDs) {
				if !slices.Contains(before, id) {
					fresh = append(fresh, id)
				}
			}
			switch {
			case len(fresh) == 1:
				tb.id = fresh[0]
			case len(fresh) > 1:
				t.Fatalf("several tabs appeared at once (%v): cannot tell which is ours", fresh)
			case time.Now().After(deadline):
				t.Fatal("the new tab never showed up in chrome.tabs")
			default:
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
	tb.navigate(t, url)
	return tb
}

func (tb *tab) navigate(t testing.TB, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, extTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("navigate %s: %v", url, err)
	}
}

func (tb *tab) do(t testing.TB, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, extTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func tabEval[T any](t testing.TB, tb *tab, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, extTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("page: %s: %v", firstLine(expr), err)
	}
	return v
}

// revealAsOperator does what the seed's steps 【5】【6】 tell the operator: tick
// 「ロボットによる操作ではありません」 and press 確認する, with real mouse
// clicks on whatever markup the page uses.
func (tb *tab) revealAsOperator(t testing.TB) {
	t.Helper()
	tb.do(t, "tick the robot check",
		chromedp.WaitVisible(chromedp.CSS(`form#robotCheckForm input[type=checkbox]`)),
		chromedp.Click(chromedp.CSS(`form#robotCheckForm input[type=checkbox]`)),
	)
	if !tabEval[bool](t, tb, `document.querySelector('form#robotCheckForm input[type=checkbox]').checked`) {
		t.Fatal("the robot check box did not tick")
	}
	tb.do(t, "press 確認する",
		chromedp.Click(chromedp.Search(`//form[@id="robotCheckForm"]//*[self::button or self::input][normalize-space(.)="確認する" or @value="確認する"]`)),
		chromedp.WaitVisible(chromedp.Search(`//*[contains(normalize-space(.), "アプリが利用するAPIリスト")]`)),
	)
}

// acceptDialogs accepts every JavaScript dialog (アップデートしますか?) the
// tab opens, as the operator clicking OK, and records its message.
func (tb *tab) acceptDialogs(t testing.TB) *[]string {
	t.Helper()
	var mu sync.Mutex
	seen := &[]string{}
	opened := make(chan struct{}, 4)
	if err := chromedp.Listen(tb.ctx, func(ev any) {
		if e, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			mu.Lock()
			*seen = append(*seen, e.Message)
			mu.Unlock()
			select {
			case opened <- struct{}{}:
			default:
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			select {
			case <-tb.ctx.Done():
				return
			case <-opened:
				// Listen's func may not call into the target; answer here.
				c := chromedp.FromContext(tb.ctx)
				ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
				_, _ = cdp.Call(ctx, c.Target, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
				cancel()
			}
		}
	}()
	return seen
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	if len(s) > 120 {
		s = s[:120] + " …"
	}
	return s
}

// repoRoot is the module root: the unpacked extension lives there.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(dir) // e2e/ is one below the root
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("cannot find the repo root from %s: %v", dir, err)
	}
	return root
}

// requireExtension returns the extension to load: a copy of the repo's with
// the test entry points enabled (testExtension), when manifest.json is there.
func requireExtension(t testing.TB) string {
	t.Helper()
	root := repoRoot(t)
	if _, err := os.Stat(filepath.Join(root, "manifest.json")); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("skipping: no manifest.json at %s yet (the extension, issue 3)", root)
		}
		t.Fatalf("no manifest.json at %s: the extension is missing", root)
	}
	return testExtension(t, root)
}

// stopSW stops the extension's service worker the way Chrome does when it
// idles it out: the worker's globals are gone, chrome.storage.session stays.
// Target.closeTarget on the worker target does that at once.
func (b *browser) stopSW(t testing.TB) {
	t.Helper()
	in, err := b.findSW()
	if err != nil {
		t.Fatalf("stop the service worker: %v", err)
	}
	b.forgetSW()
	c := chromedp.FromContext(b.ctx)
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if _, err := cdp.Call(ctx, c.Browser, target.CloseTarget, target.CloseTargetParams{TargetID: in.TargetID}); err != nil {
		t.Fatalf("stop the service worker: %v", err)
	}
	for {
		if _, err := b.findSW(); errors.Is(err, errNoSW) {
			return
		}
		if ctx.Err() != nil {
			t.Fatal("the service worker did not stop")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
