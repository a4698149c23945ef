package main

import (
	"context"

	"keyrelay/internal/tray"
)

// runTray starts the tray icon, a thin client over the running helper. With no
// desktop it logs one line and returns; the helper goes on headless.
func runTray(ctx context.Context, stop context.CancelFunc, app *helperApp, opts runOptions) {
	core := &tray.Services{
		AlertSource: app.web.Alerts,
		Shops:       app.st.shops,
		Captures:    app.st.captures,
		Deliveries:  app.st.deliveries,
		Pairings:    app.st.pairings,
		Outbox:      app.outbox,
		Login:       app.openerURL,
		Stop:        stop,
	}
	go func() {
		headless, err := tray.Run(ctx, core, app.log.With("part", "tray"),
			tray.Options{NoTray: opts.noTray, WatcherWait: opts.trayWait, Events: app.trayEvents, Changes: app.st.db})
		if err != nil {
			app.log.Warn("tray stopped; running headless", "err", err)
		} else if headless {
			app.log.Debug("running headless")
		}
	}()
}
