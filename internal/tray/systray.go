package tray

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"fyne.io/systray"

	"keyrelay/internal/keyrelay"
)

// Options tune Run; the zero value is right for most starts.
type Options struct {
	// WatcherWait is how long to wait for a StatusNotifier host before
	// going headless. Worth a few seconds when started at login, where the
	// panel may come up after keyrelay.
	WatcherWait time.Duration
	// NoTray forces headless (keyrelay run --no-tray).
	NoTray bool
	// Events wakes the tray on news; nil: it polls every DefaultInterval.
	Events *Events
	// Changes lets the tray's ticks skip redraws while nothing changed
	// (Loop.Changes).
	Changes keyrelay.ChangeSource
}

// Run shows the tray icon and serves its menu until ctx ends or the operator
// clicks 終了 (which calls core.Quit; the caller then cancels ctx). Where no
// tray can be shown it logs one line and returns headless=true at once; the
// helper then goes on without it. Run never panics.
//
// On macOS Run must be called from the main goroutine (Cocoa); on Linux and
// Windows any goroutine will do.
func Run(ctx context.Context, core Core, logger *slog.Logger, opts Options) (headless bool, err error) {
	if logger == nil {
		logger = slog.Default()
	}
	if opts.NoTray {
		logger.Info("tray disabled (--no-tray): running headless / トレイなしで動作します")
		return true, nil
	}
	if ok, why := available(ctx, opts.WatcherWait); !ok {
		logger.Info("no tray: running headless / トレイなしで動作します", "reason", why)
		return true, nil
	}
	if ctx.Err() != nil {
		return true, nil
	}
	return false, runSystray(ctx, core, logger, opts)
}

func runSystray(ctx context.Context, core Core, logger *slog.Logger, opts Options) (err error) {
	// fyne.io/systray v1.12.2 dereferences a nil D-Bus connection when the
	// bus went away between our check and its start, in Quit and at exit.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("tray: systray panicked: %v", r)
		}
	}()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	started := make(chan (<-chan struct{}), 1)
	onReady := func() {
		defer func() {
			if r := recover(); r != nil {
				logger.Error("tray: building the menu panicked", "panic", fmt.Sprint(r))
				cancel()
			}
		}()
		systray.SetTitle("keyrelay")
		l := &Loop{Core: core, Surface: systraySurface{}, Logger: logger, Events: opts.Events, Changes: opts.Changes}
		started <- l.Start(ctx)
	}
	go func() {
		select {
		case <-ctx.Done():
		case done := <-started:
			select {
			case <-ctx.Done():
			case <-done: // 終了 or a dead loop
			}
		}
		cancel()
		safeQuit(logger)
	}()
	systray.Run(onReady, nil)
	cancel()
	return nil
}

func safeQuit(logger *slog.Logger) {
	defer func() {
		if r := recover(); r != nil {
			logger.Warn("tray: systray.Quit panicked (no D-Bus); ignored", "panic", fmt.Sprint(r))
		}
	}()
	systray.Quit()
}

// systraySurface is the real tray.
type systraySurface struct{}

func (systraySurface) SetIcon(png []byte)  { systray.SetIcon(png) }
func (systraySurface) SetTooltip(t string) { systray.SetTooltip(t) }
func (systraySurface) AddSeparator()       { systray.AddSeparator() }
func (systraySurface) AddItem(title, tip string) Item {
	return systrayItem{systray.AddMenuItem(title, tip)}
}

type systrayItem struct{ *systray.MenuItem }

func (i systrayItem) Clicked() <-chan struct{} { return i.ClickedCh }
