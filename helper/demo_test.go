//go:build demo

package main_test

import (
	"context"
	"testing"
	"time"

	"keyrelay/internal/helpertest"
	"keyrelay/internal/keyrelay"
)

// TestDemoDeliversToFakeGoQ runs `keyrelay demo` headless (no display here)
// and walks the flow its steps describe with an extension-side client: pair,
// approve with the printed command, capture GoQ's key; the demo's own fake
// GoQSystem then holds it, as the history shows.
func TestDemoDeliversToFakeGoQ(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// The demo runs the helper in-process and logs its address like `run`.
	h := wrap(helpertest.Start(t, helpertest.Options{DataDir: t.TempDir(),
		Args: []string{"demo", "--no-browser"}, NoEnvDefaults: true, Env: []string{"DISPLAY=", "WAYLAND_DISPLAY="}}))
	for _, want := range []string{"fake RMS", "fake GoQ", " open --addr ", "set the port to", "pair approve CODE", "--host-resolver-rules="} {
		if err := h.Log().WaitFor(want, 10*time.Second); err != nil {
			t.Fatalf("demo output lacks %q (%v):\n%s", want, err, h.output())
		}
	}

	c := pairAndAuth(ctx, t, h)
	defer c.Close()
	key := "SL123456_DemoFlow000IANT0"
	if _, err := c.Capture(ctx, testCapture("5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d", key)); err != nil {
		t.Fatal(err)
	}
	got := waitFinal(ctx, t, h)
	if got.Status != keyrelay.DeliveryDelivered {
		t.Fatalf("demo delivery = %s (%s), want delivered; output:\n%s", got.Status, got.LastErrorEn, h.output())
	}
	h.stop(t)
}
