package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"keyrelay/internal/goq"
	"keyrelay/internal/instance"
	"keyrelay/internal/keyrelay"
	"keyrelay/internal/outbox"
	"keyrelay/internal/reminder"
	"keyrelay/internal/safefile"
	"keyrelay/internal/tray"
	"keyrelay/internal/web"
	"keyrelay/internal/ws"
)

// helperApp is a running helper: the pieces cmdRun starts, kept together so
// the demo can start the same thing.
type helperApp struct {
	log    *slog.Logger
	st     *services
	ws     *ws.Server
	web    *web.Server
	outbox *outbox.Worker
	rem    *reminder.Reminder
	// trayEvents wakes the tray when deliveries or alerts change.
	trayEvents *tray.Events
	srv        *http.Server
	ln         net.Listener
	port       int
	dataDir    string
	// addr is what the listener is bound to, e.g. 127.0.0.1:27415 or [::1]:27415.
	addr string
}

type runOptions struct {
	noTray bool
	// trayWait is how long to wait for a desktop panel to appear (login start).
	trayWait time.Duration
	// goqOptions let the demo trust its fake GoQ's certificate.
	goqOptions []goq.Option
	// listening, when set, is told the bound address once the helper serves.
	listening func(addr string)
}

func cmdRun(ctx context.Context, args []string) error {
	var c config
	var opts runOptions
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	c.register(fs)
	fs.DurationVar(&opts.trayWait, "tray-wait", 0, "wait this long for the desktop's tray to appear (autostart uses 10s)")
	fs.BoolVar(&opts.noTray, "no-tray", envOr("KEYRELAY_NO_TRAY", "") != "", "run headless, without a tray icon (env KEYRELAY_NO_TRAY=1)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if opts.trayWait < 0 || opts.trayWait > 10*time.Minute {
		return fmt.Errorf("--tray-wait %s: must be from 0s to 10m / --tray-wait は 0s〜10m で指定してください", opts.trayWait)
	}
	log, err := c.logger()
	if err != nil {
		return err
	}
	return runHelper(ctx, &c, log, opts)
}

func runHelper(ctx context.Context, c *config, log *slog.Logger, opts runOptions) error {
	if err := safefile.PrepareDir(c.DataDir); err != nil {
		return err
	}
	release, err := instance.Lock(c.DataDir, c.Addr)
	if err != nil {
		return err
	}
	defer release()

	app, err := startHelper(ctx, c, log, opts)
	if err != nil {
		return err
	}
	// The instance lock is held: no other helper is alive on this data dir, so
	// any delivery still marked in progress belongs to one that crashed.
	if n, err := app.st.deliveries.RecoverAbandonedLeases(ctx); err != nil {
		log.Error("recovering deliveries of a crashed helper", "err", err)
	} else if n > 0 {
		log.Info("resuming deliveries a crashed helper left in progress", "count", n)
	}
	if err := instance.RecordAddr(c.DataDir, app.addr); err != nil {
		log.Warn("recording the listen address for keyrelay open", "err", err)
	}
	// Tests and scripts read addr= from this line (--addr 127.0.0.1:0).
	log.Info("keyrelay listening", "url", helperURL(app.addr), "addr", app.addr, "data_dir", c.DataDir,
		"keyring", app.st.sealer.Backend(), "version", keyrelay.Version)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(5)
	go func() { defer wg.Done(); app.outbox.Run(ctx) }()
	go func() { defer wg.Done(); app.rem.Run(ctx) }()
	go func() { defer wg.Done(); runCheckpoints(ctx, app.st.db, log) }()
	go func() { defer wg.Done(); trimMemory(ctx, app.st.db, log) }()
	go func() { defer wg.Done(); runIndexer(ctx, app.st.db, log) }()

	serveErr := make(chan error, 1)
	go func() { serveErr <- app.serve() }()
	if opts.listening != nil {
		opts.listening(app.addr)
	}

	runTray(ctx, cancel, app, opts)
	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	cancel()
	log.Info("keyrelay stopping")
	shutdownCtx, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	_ = app.ws.Shutdown(shutdownCtx)
	_ = app.srv.Shutdown(shutdownCtx)
	wg.Wait() // the outbox finishes or releases in-flight deliveries
	if cerr := app.st.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
