package tray

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"time"

	"keyrelay/internal/keyrelay"
)

// Menu capacity: the menu is built once and slots are shown or hidden, since
// rebuilding a D-Bus menu on every change makes some panels flicker or close it.
const (
	MaxShops    = 8
	MaxPairings = 4
)

// DefaultInterval is how often Loop refreshes unprompted; Events and Refresh
// cover news. A pairing request has no event, and the operator waits for it.
const DefaultInterval = 10 * time.Second

// redrawBackstop is the longest a Loop with Changes goes without redrawing
// on its ticks (see Loop.Changes).
const redrawBackstop = time.Hour

// Loop is the tray's one event loop: it selects over menu clicks, a ticker
// and Refresh, and calls into Core.
type Loop struct {
	Core     Core
	Surface  Surface
	Open     func(url string) error // nil: OpenBrowser
	Logger   *slog.Logger           // nil: slog.Default()
	Now      func() time.Time       // nil: time.Now
	Interval time.Duration          // 0: DefaultInterval
	Events   *Events                // nil: only Refresh and the ticker redraw
	// Changes lets a tick skip its redraw (three reads of the store) when
	// nothing the menu shows can have changed since the last one: the
	// store's change stamp (any process), the JST date (days left), the
	// helper's problem and pause state are the same, no pairing request
	// was shown (those expire), and less than an hour passed. nil: every
	// tick redraws.
	Changes keyrelay.ChangeSource

	initOnce sync.Once
	refresh  chan struct{}
	shown    shownState // what the last redraw showed; the loop's goroutine only
}

// shownState is what a redraw read, to tell whether a tick may skip the next.
type shownState struct {
	stamp    keyrelay.ChangeStamp
	at       time.Time
	problem  string
	paused   bool
	pairings bool
}

// unchanged reports whether a redraw now would show what the last one did.
func (l *Loop) unchanged() bool {
	s, now := l.shown, l.Now()
	return keyrelay.StampOf(l.Changes).Same(s.stamp) && !s.pairings &&
		keyrelay.FormatDate(now) == keyrelay.FormatDate(s.at) &&
		now.Sub(s.at) < redrawBackstop && l.Core.Problem() == s.problem && l.Core.Paused() == s.paused
}

// menu holds the items Run built.
type menu struct {
	status   Item
	open     Item
	approve  Item // ペアリングを承認…: works before any pairing exists
	shops    []Item
	shopMore Item
	pairings []Item
	pause    Item
	quit     Item
}

func (l *Loop) init() {
	l.initOnce.Do(func() {
		if l.Events != nil {
			l.refresh = l.Events.ch
		} else {
			l.refresh = make(chan struct{}, 1)
		}
		if l.Open == nil {
			l.Open = OpenBrowser
		}
		if l.Logger == nil {
			l.Logger = slog.Default()
		}
		if l.Now == nil {
			l.Now = time.Now
		}
		if l.Interval <= 0 {
			l.Interval = DefaultInterval
		}
	})
}

// Refresh asks the loop to redraw now: on a delivery change, new alerts or a
// pairing request. It never blocks. keyrelay.EventSink callers can use it
// through Sink.
func (l *Loop) Refresh() {
	l.init()
	select {
	case l.refresh <- struct{}{}:
	default:
	}
}

// Sink adapts l to keyrelay.EventSink so the hub's fan-out can reach it.
func (l *Loop) Sink() keyrelay.EventSink { return sink{l} }

type sink struct{ l *Loop }

func (s sink) DeliveryChanged(keyrelay.DeliveryEvent) { s.l.Refresh() }
func (s sink) AlertsChanged()                         { s.l.Refresh() }

// Events is a keyrelay.EventSink that wakes the tray. The helper makes one
// before it knows whether a tray will run, adds it to its event fan-out and
// passes it in Options; with no tray, pokes are dropped.
type Events struct{ ch chan struct{} }

func NewEvents() *Events { return &Events{ch: make(chan struct{}, 1)} }

func (e *Events) DeliveryChanged(keyrelay.DeliveryEvent) { e.Poke() }
func (e *Events) AlertsChanged()                         { e.Poke() }

// Poke asks the tray to redraw (after a pairing request, say). It never blocks.
func (e *Events) Poke() {
	select {
	case e.ch <- struct{}{}:
	default:
	}
}

// Run builds the menu and serves it until ctx ends or 終了 is clicked.
func (l *Loop) Run(ctx context.Context) { <-l.Start(ctx) }

// Start builds the menu and shows the current state before it returns, then
// serves it on one goroutine until ctx ends or 終了 is clicked; done closes
// then. fyne.io/systray answers a panel's first GetLayout only after its
// onReady returns, so onReady must build and return, not serve.
func (l *Loop) Start(ctx context.Context) (done <-chan struct{}) {
	l.init()
	m := l.build()
	l.redraw(ctx, m)
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		defer func() {
			// A bug here must not take the helper down with the tray.
			if r := recover(); r != nil {
				l.Logger.Error("tray: event loop panicked; the tray stops responding", "panic", fmt.Sprint(r))
			}
		}()
		l.serve(ctx, m)
	}()
	return ch
}

func (l *Loop) serve(ctx context.Context, m *menu) {
	ticker := time.NewTicker(l.Interval)
	defer ticker.Stop()

	// One select over every item's channel (reflect.Select, since the slot
	// count is a constant only at run time): no goroutine per menu item.
	const (
		caseDone = iota
		caseTick
		caseRefresh
		caseOpen
		caseApprove
		casePause
		caseQuit
		casePairing0
	)
	cases := []reflect.SelectCase{
		{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())},
		{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ticker.C)},
		{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(l.refresh)},
		{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(m.open.Clicked())},
		{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(m.approve.Clicked())},
		{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(m.pause.Clicked())},
		{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(m.quit.Clicked())},
	}
	for _, it := range m.pairings {
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(it.Clicked())})
	}

	for {
		chosen, _, _ := reflect.Select(cases)
		switch {
		case chosen == caseDone:
			return
		case chosen == caseTick:
			if l.unchanged() {
				continue
			}
		case chosen == caseRefresh:
		case chosen == caseOpen:
			l.openPage(ctx, "/")
		case chosen == caseApprove:
			// The same one-time login as 履歴を開く, landing on ペアリング:
			// only someone at this desktop session's tray can approve.
			l.openPage(ctx, "/pairings")
		case chosen == casePause:
			if l.Core.Paused() {
				l.Core.Resume()
				l.Logger.Info("deliveries resumed from the tray")
			} else {
				l.Core.Pause()
				l.Logger.Info("deliveries paused from the tray")
			}
		case chosen == caseQuit:
			l.Logger.Info("quit from the tray")
			l.Core.Quit()
			return
		case chosen >= casePairing0:
			l.openPage(ctx, "/pairings")
		}
		l.redraw(ctx, m)
	}
}

func (l *Loop) build() *menu {
	s := l.Surface
	m := &menu{}
	m.status = s.AddItem("keyrelay", "")
	m.status.Disable()
	s.AddSeparator()
	m.open = s.AddItem("履歴を開く (Open history)", "履歴ページをブラウザで開きます / Opens the history page in your browser")
	m.approve = s.AddItem("ペアリングを承認… (Approve pairing…)", "拡張機能に表示されたコードを確認して承認します / Compare and approve the code the extension shows")
	s.AddSeparator()
	for range MaxShops {
		it := s.AddItem("", "")
		it.Disable()
		it.Hide()
		m.shops = append(m.shops, it)
	}
	m.shopMore = s.AddItem("", "")
	m.shopMore.Disable()
	m.shopMore.Hide()
	for range MaxPairings {
		it := s.AddItem("", "クリックするとペアリングの画面を開きます / Opens the pairings page")
		it.Hide()
		m.pairings = append(m.pairings, it)
	}
	s.AddSeparator()
	m.pause = s.AddItem("一時停止 (Pause deliveries)", "GoQSystemへの配信を止めます。取得は続きます / Stops delivering to GoQSystem; captures are still stored")
	m.quit = s.AddItem("終了 (Quit)", "keyrelay を終了します / Stops keyrelay")
	return m
}

// redraw pulls the core's state and shows it. A failing call degrades to
// the problem icon instead of stopping the loop.
func (l *Loop) redraw(ctx context.Context, m *menu) {
	now := l.Now()
	// Taken before the reads: a commit during them is a change next tick.
	stamp := keyrelay.StampOf(l.Changes)
	var problems []string
	problem := l.Core.Problem()
	if problem != "" {
		problems = append(problems, problem)
	}
	failed := false
	alerts, err := l.Core.Alerts(ctx, now)
	if err != nil {
		l.Logger.Error("tray: alerts", "err", err)
		problems = append(problems, "状態を読めません (cannot read status)")
		failed = true
	}
	shops, err := l.Core.LatestPerShop(ctx)
	if err != nil {
		l.Logger.Error("tray: latest captures", "err", err)
		failed = true
	}
	pairings, err := l.Core.PendingPairings(ctx)
	if err != nil {
		l.Logger.Error("tray: pending pairings", "err", err)
		failed = true
	}
	paused := l.Core.Paused()
	l.shown = shownState{stamp: stamp, at: now, problem: problem, paused: paused, pairings: len(pairings) > 0}
	if failed {
		l.shown.stamp = "" // the next tick reads again
	}

	st, tip := summarize(problems, alerts, pairings, paused)
	l.Surface.SetIcon(Icon(st))
	l.Surface.SetTooltip(tip)
	m.status.SetTitle(firstLine(tip))

	for i, it := range m.shops {
		if i >= len(shops) {
			it.Hide()
			continue
		}
		it.SetTitle(shopLine(shops[i]))
		it.Show()
	}
	if n := len(shops) - MaxShops; n > 0 {
		m.shopMore.SetTitle(fmt.Sprintf("ほか%d店舗は履歴ページへ (%d more shops in the history page)", n, n))
		m.shopMore.Show()
	} else {
		m.shopMore.Hide()
	}
	for i, it := range m.pairings {
		if i >= len(pairings) {
			it.Hide()
			continue
		}
		p := pairings[i]
		it.SetTitle(keyrelay.TrayLine(keyrelay.StatePairingPending, "code", p.Code) + " " + keyrelay.Printable(p.Name))
		it.Show()
	}
	if paused {
		m.pause.SetTitle("再開 (Resume deliveries)")
	} else {
		m.pause.SetTitle("一時停止 (Pause deliveries)")
	}
}

func (l *Loop) openPage(ctx context.Context, next string) {
	u, err := l.Core.LoginURL(ctx, next)
	if err != nil {
		l.Logger.Error("tray: login url", "err", err)
		return
	}
	if err := l.Open(u); err != nil {
		// The URL holds a login token: it is not logged.
		l.Logger.Error("tray: could not start a browser; run keyrelay open instead", "err", err)
	}
}

// summarize picks the icon and says why, Japanese first.
func summarize(problems []string, alerts []keyrelay.Alert, pairings []*keyrelay.Pairing, paused bool) (Status, string) {
	var lines []string
	st := StatusOK
	if len(problems) > 0 {
		st = StatusProblem
		lines = append(lines, "keyrelay に問題があります (problem): "+strings.Join(problems, " / "))
	}
	if len(alerts) > 0 {
		if st == StatusOK {
			st = StatusAttention
		}
		lines = append(lines, fmt.Sprintf("要対応 %d件 (%d need attention): %s", len(alerts), len(alerts), alerts[0].Message))
	}
	if len(pairings) > 0 {
		if st == StatusOK {
			st = StatusAttention
		}
		lines = append(lines, fmt.Sprintf("ペアリング承認待ち %d件 (%d pairing requests)", len(pairings), len(pairings)))
	}
	if paused {
		if st == StatusOK {
			st = StatusAttention
		}
		lines = append(lines, "配信を一時停止中 (deliveries paused)")
	}
	if len(lines) == 0 {
		lines = append(lines, keyrelay.TrayLine(keyrelay.StateConnected))
	}
	return st, strings.Join(lines, "\n")
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	if r := []rune(line); len(r) > 60 {
		line = string(r[:59]) + "…"
	}
	return line
}

func shopLine(a ShopActivity) string {
	return fmt.Sprintf("%s / %s: 末尾4桁 %s · %s · %s", a.ShopName, a.AppName, a.KeyLast4,
		keyrelay.FormatDateTime(a.CapturedAt), deliveryLabel(a.DeliveryStatus))
}

// deliveryLabel is the state table's tray line (docs/STATES.md).
func deliveryLabel(status string) string {
	return keyrelay.TrayLine(keyrelay.DeliveryState(status))
}
