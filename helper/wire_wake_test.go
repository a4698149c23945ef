package main

import (
	"context"
	"testing"

	"keyrelay/internal/keyrelay"
)

type storedCapture struct {
	keyrelay.CaptureService
	out *keyrelay.Capture
}

func (s storedCapture) CreateCapture(context.Context, *keyrelay.Capture) (*keyrelay.Capture, bool, error) {
	return s.out, true, nil
}

// A new capture wakes the reminder, and the outbox only when one of its
// deliveries can be attempted now.
func TestWakingCapturesWakesTheOutboxForPendingOnly(t *testing.T) {
	for _, tc := range []struct {
		statuses []string
		outbox   int
	}{
		{[]string{keyrelay.DeliveryWaitingLogin}, 0},
		{[]string{keyrelay.DeliveryPending}, 1},
		{[]string{keyrelay.DeliveryWaitingLogin, keyrelay.DeliveryPending}, 1},
		{nil, 0},
	} {
		c := &keyrelay.Capture{}
		for _, s := range tc.statuses {
			c.Deliveries = append(c.Deliveries, &keyrelay.Delivery{Status: s})
		}
		var outbox, reminder int
		w := wakingCaptures{CaptureService: storedCapture{out: c}, wakeOutbox: func() { outbox++ }, wakeReminder: func() { reminder++ }}
		if _, _, err := w.CreateCapture(context.Background(), &keyrelay.Capture{}); err != nil {
			t.Fatal(err)
		}
		if outbox != tc.outbox || reminder != 1 {
			t.Errorf("deliveries %v: outbox woken %d, reminder %d; want %d and 1", tc.statuses, outbox, reminder, tc.outbox)
		}
	}
}
