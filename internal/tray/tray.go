// Package tray is keyrelay's tray icon: a thin client that shows the core's
// state (status icon, tooltip, latest capture per shop, pending pairings) and
// turns menu clicks into calls on the core. It holds no business logic.
//
// The OS tray sits behind the Surface interface: Loop drives any Surface, the
// fyne.io/systray one is only made by Run, so tests build and pass with no
// display and no D-Bus.
package tray

import (
	"context"
	"time"

	"keyrelay/internal/keyrelay"
)

// Surface is the tray as the OS shows it.
type Surface interface {
	SetIcon(png []byte)
	SetTooltip(text string)
	AddItem(title, tooltip string) Item
	AddSeparator()
}

// Item is one menu entry.
type Item interface {
	SetTitle(title string)
	SetTooltip(tooltip string)
	Enable()
	Disable()
	Show()
	Hide()
	Clicked() <-chan struct{}
}

// Core is everything the tray asks of the helper.
type Core interface {
	// Alerts are what needs the operator (keyrelay.AlertSource).
	Alerts(ctx context.Context, now time.Time) ([]keyrelay.Alert, error)
	// Problem says what is wrong with the helper itself ("" when healthy):
	// the icon turns red and the tooltip says this.
	Problem() string
	// LatestPerShop is the newest capture of each shop with its delivery.
	LatestPerShop(ctx context.Context) ([]ShopActivity, error)
	// PendingPairings are extension pairings waiting for approval.
	PendingPairings(ctx context.Context) ([]*keyrelay.Pairing, error)
	// LoginURL mints a one-time login URL for the history page; next is the
	// local path to show after login ("/" or "/pairings").
	LoginURL(ctx context.Context, next string) (string, error)
	Paused() bool
	Pause()
	Resume()
	// Quit stops the helper (終了). It must not block on the tray.
	Quit()
}

// ShopActivity is one shop's newest capture and what became of it.
type ShopActivity struct {
	ShopName       string
	AppName        string
	KeyLast4       string
	CapturedAt     time.Time
	DeliveryStatus string // a keyrelay.Delivery status; "" when none
}
