package main

import (
	"context"
	"time"

	"keyrelay/internal/reminder"
)

// notifyDesktop shows a desktop notification about a change that decides
// where keys go, best effort: without a desktop it does nothing.
func notifyDesktop(ctx context.Context, title, body string) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	_ = (&reminder.Desktop{}).Notify(ctx, reminder.Notification{Title: title, Body: body})
}
