package tray_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/tray"
)

// fakeSurface records what the loop shows; clicks are sent on item channels
// as the real tray does.
type fakeSurface struct {
	mu      sync.Mutex
	icon    []byte
	tooltip string
	items   []*fakeItem
}

func (s *fakeSurface) SetIcon(png []byte) { s.mu.Lock(); s.icon = png; s.mu.Unlock() }
func (s *fakeSurface) SetTooltip(t string) {
	s.mu.Lock()
	s.tooltip = t
	s.mu.Unlock()
}
func (s *fakeSurface) AddSeparator() {}
func (s *fakeSurface) AddItem(title, tip string) tray.Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	it := &fakeItem{s: s, title: title, enabled: true, visible: true, ch: make(chan struct{})}
	s.items = append(s.items, it)
	return it
}

type fakeItem struct {
	s                *fakeSurface
	title            string
	enabled, visible bool
	ch               chan struct{}
}

func (i *fakeItem) set(f func())             { i.s.mu.Lock(); f(); i.s.mu.Unlock() }
func (i *fakeItem) SetTitle(t string)        { i.set(func() { i.title = t }) }
func (i *fakeItem) SetTooltip(string)        {}
func (i *fakeItem) Enable()                  { i.set(func() { i.enabled = true }) }
func (i *fakeItem) Disable()                 { i.set(func() { i.enabled = false }) }
func (i *fakeItem) Show()                    { i.set(func() { i.visible = true }) }
func (i *fakeItem) Hide()                    { i.set(func() { i.visible = false }) }
func (i *fakeItem) Clicked() <-chan struct{} { return i.ch }

type view struct {
	icon    []byte
	tooltip string
	visible []string // titles of visible items, "(off)" marking disabled ones
}

func (s *fakeSurface) view() view {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := view{icon: s.icon, tooltip: s.tooltip}
	for _, it := range s.items {
		if !it.visible {
			continue
		}
		t := it.title
		if !it.enabled {
			t += " (off)"
		}
		v.visible = append(v.visible, t)
	}
	return v
}

// click clicks the visible item whose title starts with prefix.
func (s *fakeSurface) click(t *testing.T, prefix string) {
	t.Helper()
	var target *fakeItem
	// The loop redraws items after the icon, so wait for the item too.
	eventually(t, "a visible item "+prefix, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, it := range s.items {
			if it.visible && strings.HasPrefix(it.title, prefix) {
				target = it
				return true
			}
		}
		return false
	}, func() string { return fmt.Sprintf("%q", s.view().visible) })
	select {
	case target.ch <- struct{}{}:
	case <-time.After(5 * time.Second):
		t.Fatalf("click on %q not taken", prefix)
	}
}

// fakeCore is the helper as the tray sees it.
type fakeCore struct {
	mu       sync.Mutex
	problem  string
	alerts   []keyrelay.Alert
	shops    []tray.ShopActivity
	pairings []*keyrelay.Pairing
	paused   bool
	calls    []string
	quit     chan struct{}
	reads    int // redraws: Alerts calls
}

func (c *fakeCore) record(s string) { c.calls = append(c.calls, s) }

func (c *fakeCore) Alerts(context.Context, time.Time) ([]keyrelay.Alert, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	return c.alerts, nil
}
func (c *fakeCore) Problem() string { c.mu.Lock(); defer c.mu.Unlock(); return c.problem }
func (c *fakeCore) LatestPerShop(context.Context) ([]tray.ShopActivity, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.shops, nil
}
func (c *fakeCore) PendingPairings(context.Context) ([]*keyrelay.Pairing, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pairings, nil
}
func (c *fakeCore) LoginURL(_ context.Context, next string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.record("login " + next)
	return "http://127.0.0.1:27415/login?token=t" + next, nil
}
func (c *fakeCore) Paused() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.paused }
func (c *fakeCore) Pause()       { c.mu.Lock(); c.paused = true; c.record("pause"); c.mu.Unlock() }
func (c *fakeCore) Resume()      { c.mu.Lock(); c.paused = false; c.record("resume"); c.mu.Unlock() }
func (c *fakeCore) Quit()        { c.mu.Lock(); c.record("quit"); c.mu.Unlock(); close(c.quit) }
func (c *fakeCore) set(f func()) { c.mu.Lock(); f(); c.mu.Unlock() }
func (c *fakeCore) callLog() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.calls...)
}

func eventually(t *testing.T, what string, ok func() bool, show func() string) {
	t.Helper()
	// A deadline, not a verdict: the condition is polled until it holds.
	// 20 s like the registration wait, because under a full parallel
	// `make test` on two cores the child tray took over 5 s once.
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; have %s", what, show())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type harness struct {
	core   *fakeCore
	surf   *fakeSurface
	loop   *tray.Loop
	events *tray.Events
	opened chan string
	done   chan struct{}
	cancel context.CancelFunc
}

func start(t *testing.T) *harness {
	h := &harness{core: &fakeCore{quit: make(chan struct{})}, surf: &fakeSurface{}, events: tray.NewEvents(),
		opened: make(chan string, 10), done: make(chan struct{})}
	h.loop = &tray.Loop{
		Core: h.core, Surface: h.surf, Interval: time.Hour, Events: h.events,
		Open: func(u string) error { h.opened <- u; return nil },
		Now:  func() time.Time { return time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC) },
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.loop.Run(ctx); close(h.done) }()
	t.Cleanup(func() { cancel(); <-h.done })
	return h
}

func (h *harness) waitIcon(t *testing.T, st tray.Status, tooltipHas string) {
	t.Helper()
	eventually(t, fmt.Sprintf("icon %v with tooltip containing %q", st, tooltipHas), func() bool {
		v := h.surf.view()
		return bytes.Equal(v.icon, tray.Icon(st)) && strings.Contains(v.tooltip, tooltipHas)
	}, func() string { v := h.surf.view(); return fmt.Sprintf("tooltip %q, items %q", v.tooltip, v.visible) })
}

func (h *harness) waitOpened(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-h.opened:
		if got != want {
			t.Errorf("opened %q, want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("nothing opened, want %q", want)
	}
}

func TestLoop(t *testing.T) {
	t.Run("status icon and tooltip follow the core", func(t *testing.T) {
		h := start(t)
		h.waitIcon(t, tray.StatusOK, "正常")

		h.core.set(func() {
			h.core.alerts = []keyrelay.Alert{{Kind: keyrelay.AlertExpiring, ShopName: "店", AppName: "GoQSystem", DaysLeft: 3, Message: "あと3日で有効期限です"}}
		})
		h.loop.Refresh()
		h.waitIcon(t, tray.StatusAttention, "要対応 1件 (1 need attention): あと3日で有効期限です")

		h.core.set(func() { h.core.problem = "ポート27415を開けません" })
		h.loop.Refresh()
		h.waitIcon(t, tray.StatusProblem, "ポート27415を開けません")

		h.core.set(func() { h.core.problem, h.core.alerts = "", nil })
		h.loop.Sink().AlertsChanged() // the EventSink route
		h.waitIcon(t, tray.StatusOK, "正常")

		h.core.set(func() { h.core.problem = "via Events" })
		h.events.DeliveryChanged(keyrelay.DeliveryEvent{}) // the helper's fan-out route
		h.waitIcon(t, tray.StatusProblem, "via Events")
	})

	t.Run("履歴を開く opens a fresh login URL", func(t *testing.T) {
		h := start(t)
		h.waitIcon(t, tray.StatusOK, "")
		h.surf.click(t, "履歴を開く")
		h.waitOpened(t, "http://127.0.0.1:27415/login?token=t/")
		h.surf.click(t, "履歴を開く")
		h.waitOpened(t, "http://127.0.0.1:27415/login?token=t/")
		if got, want := strings.Join(h.core.callLog(), ","), "login /,login /"; got != want {
			t.Errorf("core calls %q, want %q", got, want)
		}
	})

	t.Run("ペアリングを承認… opens the pairings page before any pairing exists", func(t *testing.T) {
		h := start(t)
		h.waitIcon(t, tray.StatusOK, "")
		h.surf.click(t, "ペアリングを承認…")
		h.waitOpened(t, "http://127.0.0.1:27415/login?token=t/pairings")
		if got, want := strings.Join(h.core.callLog(), ","), "login /pairings"; got != want {
			t.Errorf("core calls %q, want %q", got, want)
		}
	})

	t.Run("一時停止 and 再開 toggle deliveries", func(t *testing.T) {
		h := start(t)
		h.waitIcon(t, tray.StatusOK, "")
		h.surf.click(t, "一時停止")
		h.waitIcon(t, tray.StatusAttention, "配信を一時停止中")
		h.surf.click(t, "再開")
		h.waitIcon(t, tray.StatusOK, "正常")
		if got, want := strings.Join(h.core.callLog(), ","), "pause,resume"; got != want {
			t.Errorf("core calls %q, want %q", got, want)
		}
	})

	t.Run("latest capture per shop, as disabled info items", func(t *testing.T) {
		h := start(t)
		at := time.Date(2026, 5, 26, 1, 0, 0, 0, time.UTC)
		h.core.set(func() {
			h.core.shops = []tray.ShopActivity{
				{ShopName: "店A", AppName: "GoQSystem", KeyLast4: "5678", CapturedAt: at, DeliveryStatus: keyrelay.DeliveryDelivered},
				{ShopName: "店B", AppName: "GoQSystem", KeyLast4: "9999", CapturedAt: at},
			}
		})
		h.loop.Refresh()
		want := "店A / GoQSystem: 末尾4桁 5678 · 2026/05/26 10:00 · 配信済み（確認済み） (delivered and verified) (off)"
		eventually(t, "shop items", func() bool {
			v := h.surf.view().visible
			return strings.Contains(strings.Join(v, "\n"), want) && strings.Contains(strings.Join(v, "\n"), "店B / GoQSystem: 末尾4桁 9999")
		}, func() string { return strings.Join(h.surf.view().visible, "\n") })

		var many []tray.ShopActivity
		for i := range tray.MaxShops + 3 {
			many = append(many, tray.ShopActivity{ShopName: fmt.Sprintf("店%02d", i), AppName: "A", KeyLast4: "0000", CapturedAt: at})
		}
		h.core.set(func() { h.core.shops = many })
		h.loop.Refresh()
		eventually(t, "slots full and a 'more' line", func() bool {
			v := strings.Join(h.surf.view().visible, "\n")
			return strings.Count(v, "末尾4桁") == tray.MaxShops && strings.Contains(v, "ほか3店舗")
		}, func() string { return strings.Join(h.surf.view().visible, "\n") })
	})

	t.Run("a pending pairing shows and opens the pairings page", func(t *testing.T) {
		h := start(t)
		h.core.set(func() {
			// A name stored before client names were cleaned: its bidi
			// override must not reorder the code shown beside it.
			h.core.pairings = []*keyrelay.Pairing{{Code: "482913", Name: "Chrome\u202e 131 / Linux", Status: keyrelay.PairingPending}}
		})
		h.loop.Refresh()
		h.waitIcon(t, tray.StatusAttention, "ペアリング承認待ち 1件")
		if v := strings.Join(h.surf.view().visible, "\n"); !strings.Contains(v, `コード 482913 (pairing request: code 482913) Chrome\u202e 131 / Linux`) {
			t.Errorf("pairing item not shown with its name escaped:\n%s", v)
		}
		h.surf.click(t, "ペアリング承認待ち: コード 482913")
		h.waitOpened(t, "http://127.0.0.1:27415/login?token=t/pairings")

		h.core.set(func() { h.core.pairings = nil })
		h.loop.Refresh()
		h.waitIcon(t, tray.StatusOK, "正常")
		if v := strings.Join(h.surf.view().visible, "\n"); strings.Contains(v, "482913") {
			t.Errorf("approved pairing still listed:\n%s", v)
		}
	})

	t.Run("終了 quits the core and ends the loop", func(t *testing.T) {
		h := start(t)
		h.waitIcon(t, tray.StatusOK, "")
		h.surf.click(t, "終了")
		select {
		case <-h.done:
		case <-time.After(5 * time.Second):
			t.Fatal("loop still running after 終了")
		}
		select {
		case <-h.core.quit:
		default:
			t.Error("core.Quit not called")
		}
	})

	t.Run("cancelling the context ends the loop", func(t *testing.T) {
		h := start(t)
		h.waitIcon(t, tray.StatusOK, "")
		h.cancel()
		select {
		case <-h.done:
		case <-time.After(5 * time.Second):
			t.Fatal("loop still running after cancel")
		}
	})
}

func TestIcons(t *testing.T) {
	ok, att, prob := tray.Icon(tray.StatusOK), tray.Icon(tray.StatusAttention), tray.Icon(tray.StatusProblem)
	if bytes.Equal(ok, att) || bytes.Equal(att, prob) || bytes.Equal(ok, prob) {
		t.Error("icons are not distinct")
	}
	for _, b := range [][]byte{ok, att, prob} {
		if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("icon is not a PNG: % x", b[:8])
		}
	}
}
