package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"keyrelay/internal/goq"
	"keyrelay/internal/instance"
	"keyrelay/internal/keyrelay"
	"keyrelay/internal/loopback"
	"keyrelay/internal/outbox"
	"keyrelay/internal/peercred"
	"keyrelay/internal/reminder"
	"keyrelay/internal/sqlite"
	"keyrelay/internal/tray"
	"keyrelay/internal/web"
	"keyrelay/internal/ws"
)

// startHelper opens the store, builds every service and binds the listener.
// Nothing runs yet except the listener; runHelper starts the loops.
func startHelper(ctx context.Context, c *config, log *slog.Logger, opts runOptions) (*helperApp, error) {
	ln, err := loopback.Listen(c.Addr)
	if err != nil {
		return nil, fmt.Errorf("%w (is another keyrelay or program using %s?)", err, c.Addr)
	}
	port := loopback.Port(ln)
	st, err := openStore(c, log)
	if err != nil {
		ln.Close()
		return nil, err
	}
	app := &helperApp{log: log, st: st, port: port, ln: ln, dataDir: c.DataDir, addr: ln.Addr().String()}

	// https://…goqsystem.com only, certificates checked (goq.CheckBaseURL);
	// the demo passes a transport that reaches its fake under GoQ's name.
	dest := goq.New(append(buildGoQOptions(), opts.goqOptions...)...)
	dests := map[string]keyrelay.Destination{dest.Name(): dest}

	app.ws = &ws.Server{
		Pairings: st.pairings,
		Audit:    st.audit,
		Sessions: st.sessions,
		Port:     port,
		BaseURL:  helperURL(app.addr),
		Logger:   log.With("part", "ws"),
	}
	app.outbox = &outbox.Worker{
		Deliveries:   st.deliveries,
		Captures:     st.captures,
		Shops:        st.shops,
		Credentials:  st.credentials,
		Destinations: dests,
		Logger:       log.With("part", "outbox"),
		Modes:        st.modes,
		Browser:      app.ws,
		GoQBaseURL:   goq.DefaultBaseURL,
		// Its polls run SQL only when the file changed or work fell due.
		Changes: st.db,
	}
	// A browser that connects, or whose GoQ tab is usable again, gets its
	// waiting deliveries (browser mode).
	// The popup's offer, for a shop without a GoQ login only: nothing
	// stored is deleted from the extension's side.
	app.ws.SetBrowserMode = func(ctx context.Context, shopKey string) error {
		if _, err := st.credentials.FindCredentials(ctx, goq.Name, shopKey); err == nil {
			return keyrelay.Errorf(keyrelay.EINVALID, "この店舗にはGoQログインが設定されています。配信方法はGoQ設定で変更してください。",
				"This shop has a GoQ login; change its delivery mode on the GoQ settings page.")
		} else if keyrelay.ErrorCode(err) != keyrelay.ENOTFOUND {
			return err
		}
		if _, err := st.modes.SetDeliveryMode(ctx, goq.Name, shopKey, keyrelay.DeliveryModeBrowser); err != nil {
			return err
		}
		app.outbox.Wake()
		return nil
	}
	// The popup's confirmation of the account the GoQ tab shows: only for
	// a browser-mode shop without an account (SetBrowserAccount's
	// onlyIfUnset), never replacing one set on purpose.
	app.ws.ConfirmBrowserAccount = func(ctx context.Context, shopKey, account string) error {
		if _, err := st.modes.SetBrowserAccount(ctx, goq.Name, shopKey, account, true); err != nil {
			return err
		}
		app.outbox.Wake()
		return nil
	}
	app.ws.OnBrowserReady = func(clientID string) {
		if n, err := st.modes.WakeWaitingBrowser(ctx, clientID); err != nil {
			log.Error("waking deliveries waiting for the browser", "err", err)
		} else if n > 0 {
			app.outbox.Wake()
		}
	}
	alerts := &reminder.Source{Apps: st.appStatus}
	app.rem = &reminder.Reminder{
		Apps:     st.appStatus,
		Log:      sqlite.NewReminderService(st.db),
		Notifier: &reminder.Desktop{},
		Logger:   log.With("part", "reminder"),
		Changes:  st.db,
	}
	// Events fan out: a delivery result goes to the extension and may change
	// the alerts; a new capture or アプリ一覧 visit wakes the loops that care.
	app.trayEvents = tray.NewEvents()
	sink := &eventSink{ws: app.ws, rem: app.rem, tray: app.trayEvents}
	app.outbox.Events = sink
	app.rem.Events = sink
	app.ws.Captures = wakingCaptures{CaptureService: st.captures, wakeOutbox: app.outbox.Wake, wakeReminder: app.rem.Wake}
	app.ws.AppStatus = wakingAppStatus{AppStatusService: st.appStatus, wake: app.rem.Wake}
	app.ws.Alerts = alerts
	app.ws.PairingShops = st.pairShops
	app.ws.Deliveries = st.deliveries
	app.ws.Paused = app.outbox.Paused

	w, err := web.New()
	if err != nil {
		st.Close()
		ln.Close()
		return nil, fmt.Errorf("history page: %w", err)
	}
	w.Captures, w.Shops, w.Pairings, w.Audit = st.captures, st.shops, st.pairings, st.audit
	w.Export = st.captures
	w.Sessions, w.Deliveries, w.Credentials = st.sessions, st.deliveries, st.credentials
	w.Modes = st.modes
	w.AppStatus, w.Alerts = st.appStatus, alerts
	w.WS = app.ws
	w.Destinations = dests
	w.Outbox = app.outbox
	w.Port = port
	w.Notify = func(ctx context.Context, title, body string) error {
		return (&reminder.Desktop{}).Notify(ctx, reminder.Notification{Title: title, Body: body})
	}
	w.Logger = log.With("part", "web")
	app.web = w
	app.srv = &http.Server{
		Handler:           w.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return ctx },
		// Each connection's OS user is looked up once, at accept; the
		// handler refuses other users' connections on every route.
		ConnContext: peercred.ConnContext,
	}
	return app, nil
}

func (a *helperApp) serve() error { return a.srv.Serve(a.ln) }

// openerURL mints a one-time history login for the tray's 履歴を開く and
// returns the opener file's URL: a browser started on it shows no token in
// its command line.
func (a *helperApp) openerURL(ctx context.Context, next string) (string, error) {
	return writeOpener(ctx, a.st.sessions, a.dataDir, a.addr, next)
}

// helperURL is the one place the helper's own address becomes a URL: addr is
// what the listener is bound to ("127.0.0.1:27415", "[::1]:27415") or, for a
// command run beside the helper, what the helper recorded (runningAddr). The
// Host check (loopback.AllowedHost) accepts each of these.
func helperURL(addr string) string { return "http://" + addr + "/" }

// runningAddr is the address the helper on c's data dir really listens on,
// as it recorded in its lock file; c.Addr when none is running (a link for a
// helper about to start).
func runningAddr(c *config) (string, error) {
	if o, err := instance.ReadOwner(c.DataDir); err == nil && o.Addr != "" {
		return o.Addr, nil
	}
	if p, err := c.port(); err != nil {
		return "", err
	} else if p == 0 {
		return "", fmt.Errorf("no keyrelay is running on %s, and --addr %s names no port / ヘルパーが起動していません", c.DataDir, c.Addr)
	}
	return c.Addr, nil
}

// mintLoginURL is the one place a one-time history login URL is made, for
// `keyrelay open`, the tray and the demo; addr is where the helper listens
// (helperURL) and next a local path ("" or "/" for the history).
func mintLoginURL(ctx context.Context, sessions keyrelay.SessionService, addr, next string) (string, error) {
	tok, err := sessions.CreateLoginToken(ctx)
	if err != nil {
		return "", err
	}
	u := helperURL(addr) + "login?token=" + url.QueryEscape(tok)
	if next != "" && next != "/" {
		u += "&next=" + url.QueryEscape(next)
	}
	return u, nil
}

// wakingCaptures nudges the outbox and reminders after a new capture is
// committed, so delivery starts at once instead of at the next poll. The
// outbox only when the capture has a delivery it can attempt: one waiting
// for a GoQ login is woken when the login is set (WakeWaitingLogin).
type wakingCaptures struct {
	keyrelay.CaptureService
	wakeOutbox, wakeReminder func()
}

func (w wakingCaptures) CreateCapture(ctx context.Context, c *keyrelay.Capture) (*keyrelay.Capture, bool, error) {
	stored, created, err := w.CaptureService.CreateCapture(ctx, c)
	if err == nil && created {
		for _, d := range stored.Deliveries {
			if d.Status == keyrelay.DeliveryPending {
				w.wakeOutbox()
				break
			}
		}
		w.wakeReminder()
	}
	return stored, created, err
}

type wakingAppStatus struct {
	keyrelay.AppStatusService
	wake func()
}

func (w wakingAppStatus) RecordAppListing(ctx context.Context, l *keyrelay.AppListing) error {
	err := w.AppStatusService.RecordAppListing(ctx, l)
	if err == nil {
		w.wake()
	}
	return err
}

// eventSink forwards events to the extension (through the WebSocket) and lets
// the reminder loop recompute alerts after a delivery result.
type eventSink struct {
	ws   *ws.Server
	rem  *reminder.Reminder
	tray *tray.Events
}

func (e *eventSink) DeliveryChanged(ev keyrelay.DeliveryEvent) {
	e.ws.DeliveryChanged(ev)
	e.tray.DeliveryChanged(ev)
	if keyrelay.DeliveryFinal(ev.Status) {
		e.rem.Wake()
	}
}

func (e *eventSink) AlertsChanged() {
	e.ws.AlertsChanged()
	e.tray.AlertsChanged()
}

// checkpointEvery is the checkpointer's tick: a burst's WAL is folded back
// and truncated within two ticks of its last write.
const checkpointEvery = 2 * time.Second

func runCheckpoints(ctx context.Context, db *sqlite.DB, log *slog.Logger) {
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	db.RunCheckpoints(ctx, t.C, func(err error) { log.Warn("wal checkpoint", "err", err) })
}

// runIndexer feeds the history's text index after captures commit (and, at
// start, indexes what a crash left unindexed); searches meanwhile scan the
// unindexed tail, so none misses a capture.
func runIndexer(ctx context.Context, db *sqlite.DB, log *slog.Logger) {
	db.RunIndexer(ctx, func(err error) { log.Warn("text index", "err", err) })
}
