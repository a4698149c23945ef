//go:build demo

package main_test

import (
	"context"
	"strings"
	"testing"
	"time"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/helpertest"
	"keyrelay/internal/keyrelay"
)

// TestGoQRefusalVerbatimAfterOnePost joins the two halves of GoQ delivery
// on the real binary: the GoQ client reads GoQ's validation message after a
// save, and the outbox records it. GoQ refuses the key; the delivery is 要対応
// after exactly one POST, GoQ's words are in `history --json` and the text
// history verbatim, and GoQ's stored key is unchanged.
func TestGoQRefusalVerbatimAfterOnePost(t *testing.T) {
	const goqSays = "RMS Service Square ライセンスキーの形式が正しくありません。（有効期限切れのキーは登録できません）"
	goqA := newFakeShopGoQ(t, "account-a")
	goqA.fake.SetReject(goqSays)
	before := goqA.fake.Settings()[fakegoq.FieldLicenseKey]

	dir := t.TempDir()
	pre := &helperProc{dataDir: dir, addr: "127.0.0.1:0"}
	if out, err := pre.cliIn(t, "pw-account-a\n", "goq", "set-login", "--shop", "123456", "--login-id", "account-a", "--base-url", goqA.baseURL); err != nil {
		t.Fatalf("set-login: %v\n%s", err, out)
	}
	h := wrap(helpertest.Start(t, helpertest.Options{Bin: demoBuild(t), DataDir: dir}))

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c := pairAndAuth(ctx, t, h)
	defer c.Close()
	const key = "SL123456_Rr4Ss5Tt6Uu7Vv8W"
	if _, err := c.Capture(ctx, testCapture("7a1c2a9e-0b1d-4c2e-8f3a-0000000000f1", key)); err != nil {
		t.Fatal(err)
	}
	d := h.waitDelivery(t, "123456", keyrelay.DeliveryNeedsAttention)
	if d.Quote != goqSays {
		t.Fatalf("delivery quote = %q, want GoQ's words %q", d.Quote, goqSays)
	}
	if d.LoginID != "account-a" {
		t.Fatalf("delivery login = %q, want account-a", d.LoginID)
	}
	if got := goqA.fake.PostCount(); got != 1 {
		t.Fatalf("GoQ got %d save POSTs, want exactly 1", got)
	}
	if got := goqA.fake.Settings()[fakegoq.FieldLicenseKey]; got != before {
		t.Fatalf("GoQ's stored key changed to …%s although GoQ refused it", keyrelay.KeyLast4(got))
	}
	if text := h.cli(t, "history"); !strings.Contains(text, goqSays) {
		t.Fatalf("the text history does not quote GoQ:\n%s", text)
	}
	c.Close()
	h.stop(t)
	if strings.Contains(h.output(), key) {
		t.Fatal("the helper's log holds the key")
	}
}
