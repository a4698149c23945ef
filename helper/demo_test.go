package main_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
)

// TestDemoDeliversToFakeGoQ runs `keyrelay demo` headless (no display here)
// and walks the flow its steps describe with an extension-side client: pair,
// approve with the printed command, capture GoQ's key; the demo's own fake
// GoQSystem then holds it, as the history shows.
func TestDemoDeliversToFakeGoQ(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h := &helperProc{t: t, dataDir: t.TempDir(), addr: freeAddr(t)}
	h.cmd = exec.Command(binary, "demo", "--no-browser", "--addr", h.addr, "--data-dir", h.dataDir)
	h.cmd.Env = append(os.Environ(), "DISPLAY=", "WAYLAND_DISPLAY=")
	h.cmd.Stdout, h.cmd.Stderr = h, h
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if h.cmd.ProcessState == nil {
			h.cmd.Process.Kill()
			h.cmd.Wait()
		}
	})
	waitListen(t, h)
	for _, want := range []string{"fake RMS", "fake GoQ", " open --addr ", "set the port to", "pair approve CODE", "--host-resolver-rules="} {
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(h.output(), want) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if !strings.Contains(h.output(), want) {
			t.Fatalf("demo output lacks %q:\n%s", want, h.output())
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
