package main_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/wsclient"
)

// evil is what a hostile page or process puts into names: a screen clear,
// red text, a window title (OSC), a hyperlink (OSC 8), a C1 CSI and a line
// break that forges a table row.
const evil = "\x1b[2J\x1b[31mAPPROVED\x1b]0;pwned\x07\x1b]8;;https://evil.example\x1b\\link\u009b1m\nforged\trow"

// TestEscapesInPairListAndHistory: names from outside are printed by
// `keyrelay pair list` and `keyrelay history` without a single control
// character reaching the terminal.
func TestEscapesInPairListAndHistory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h := startHelper(t, t.TempDir())
	c := pairAndAuth(ctx, t, h)
	defer c.Close()
	capture := testCapture("1f6a7c2e-3b52-4c43-9a53-5d1f0d7e2b12", testKey)
	capture.AppName = "App " + evil
	capture.Shop.Name = "Shop " + evil
	if _, err := c.Capture(ctx, capture); err != nil {
		t.Fatal(err)
	}
	// A second browser asks to pair under a hostile name.
	other, err := wsclient.Dial(ctx, "ws://"+h.addr+"/ws", "chrome-extension://"+keyrelay.ExtensionID, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Pair(ctx, "Browser "+evil); err != nil {
		t.Fatal(err)
	}

	for _, args := range [][]string{{"pair", "list"}, {"history"}} {
		out := h.cli(t, args...)
		if !strings.Contains(out, "APPROVED") {
			t.Fatalf("%v does not show the hostile name at all:\n%s", args, out)
		}
		for _, r := range out {
			if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
				t.Fatalf("%v printed control character %U:\n%q", args, r, out)
			}
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "forged") {
				t.Fatalf("%v let a name forge a line:\n%s", args, out)
			}
		}
		// Shop and app names are stored as the page showed them and escaped
		// when printed; a pairing's name is cleaned before it is stored
		// (keyrelay.CleanClientName), so only its harmless text is left.
		want := `\x1b[2J`
		if args[0] == "pair" {
			want = "Browser [2J[31mAPPROVED]0;pwned]8;;https://evil.example"
		}
		if !strings.Contains(out, want) {
			t.Errorf("%v does not show %q:\n%s", args, want, out)
		}
	}
}
