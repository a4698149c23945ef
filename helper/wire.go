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
	"keyrelay/internal/keyrelay"
	"keyrelay/internal/loopback"
	"keyrelay/internal/outbox"
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
	app := &helperApp{log: log, st: st, port: port, ln: ln}

	// Plain http is allowed only to loopback (the fake GoQ, or a local proxy):
	// nothing sent there leaves the machine.
	dest := goq.New(append([]goq.Option{goq.WithLoopbackHTTP()}, opts.goqOptions...)...)
	dests := map[string]keyrelay.Destination{dest.Name(): dest}

	app.ws = &ws.Server{
		Pairings: st.pairings,
		Audit:    st.audit,
		Sessions: st.sessions,
		Port:     port,
		Logger:   log.With("part", "ws"),
	}
	app.outbox = &outbox.Worker{
		Deliveries:   st.deliveries,
		Captures:     st.captures,
		Shops:        st.shops,
		Credentials:  st.credentials,
		Destinations: dests,
		Logger:       log.With("part", "outbox"),
	}
	alerts := &reminder.Source{Apps: st.appStatus}
	app.rem = &reminder.Reminder{
		Apps:     st.appStatus,
		Log:      sqlite.NewReminderService(st.db),
		Notifier: &reminder.Desktop{},
		Logger:   log.With("part", "reminder"),
	}
	// Events fan out: a delivery result goes to the extension and may change
	// the alerts; a new capture or アプリ一覧 visit wakes the loops that care.
	app.trayEvents = tray.NewEvents()
	sink := &eventSink{ws: app.ws, rem: app.rem, tray: app.trayEvents}
	app.outbox.Events = sink
	app.rem.Events = sink
	app.ws.Captures = wakingCaptures{CaptureService: st.captures, wake: func() { app.outbox.Wake(); app.rem.Wake() }}
	app.ws.AppStatus = wakingAppStatus{AppStatusService: st.appStatus, wake: app.rem.Wake}
	app.ws.Alerts = alerts
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
	w.AppStatus, w.Alerts = st.appStatus, alerts
	w.WS = app.ws
	w.Destinations = dests
	w.Outbox = app.outbox
	w.Port = port
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
	}
	return app, nil
}

func (a *helperApp) serve() error { return a.srv.Serve(a.ln) }

// loginURL mints a one-time history login for the tray and the demo.
func (a *helperApp) loginURL(ctx context.Context, next string) (string, error) {
	return mintLoginURL(ctx, a.st.sessions, a.port, next)
}

// mintLoginURL is the one place a one-time history login URL is made, for
// `keyrelay open`, the tray and the demo; next is a local path ("" or "/" for
// the history).
func mintLoginURL(ctx context.Context, sessions keyrelay.SessionService, port int, next string) (string, error) {
	tok, err := sessions.CreateLoginToken(ctx)
	if err != nil {
		return "", err
	}
	u := fmt.Sprintf("http://127.0.0.1:%d/login?token=%s", port, url.QueryEscape(tok))
	if next != "" && next != "/" {
		u += "&next=" + url.QueryEscape(next)
	}
	return u, nil
}

// wakingCaptures nudges the outbox and reminders after a new capture is
// committed, so delivery starts at once instead of at the next poll.
type wakingCaptures struct {
	keyrelay.CaptureService
	wake func()
}

func (w wakingCaptures) CreateCapture(ctx context.Context, c *keyrelay.Capture) (*keyrelay.Capture, bool, error) {
	stored, created, err := w.CaptureService.CreateCapture(ctx, c)
	if err == nil && created {
		w.wake()
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
