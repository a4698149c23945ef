//go:build demo

package main_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/helpertest"
	"keyrelay/internal/keyrelay"
)

// demoBuild is the helper built with -tags demo: the build whose GoQ client
// may reach a fake GoQ on loopback (the shared test binary is that build).
func demoBuild(t *testing.T) string {
	t.Helper()
	return binary(t)
}

// fakeShopGoQ is one shop's own GoQ account: a fake GoQ on loopback that
// accepts only this login.
type fakeShopGoQ struct {
	fake    *fakegoq.Server
	baseURL string
	login   string
}

func newFakeShopGoQ(t *testing.T, login string) *fakeShopGoQ {
	fake := fakegoq.New(fakegoq.Options{LoginID: login, Password: "pw-" + login})
	srv := httptest.NewServer(fake.Handler())
	t.Cleanup(srv.Close)
	return &fakeShopGoQ{fake: fake, baseURL: srv.URL + "/goq21/", login: login}
}

func (h *helperProc) deliveryOf(t *testing.T, shopID string) (keyrelay.Delivery, bool) {
	t.Helper()
	var hist historyJSON
	out := h.cli(t, "history", "--json")
	if err := json.Unmarshal([]byte(out), &hist); err != nil {
		t.Fatalf("history --json: %v\n%s", err, out)
	}
	for _, c := range hist.Captures {
		if c.Shop.ID == shopID && len(c.Deliveries) == 1 {
			return c.Deliveries[0], true
		}
	}
	return keyrelay.Delivery{}, false
}

func (h *helperProc) waitDelivery(t *testing.T, shopID, status string) keyrelay.Delivery {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, ok := h.deliveryOf(t, shopID)
		if ok && d.Status == status {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("shop %s: delivery %+v, want %s; helper output:\n%s", shopID, d, status, h.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTwoShopsEachKeyToItsOwnGoQ runs the real helper (demo build) against
// two fake GoQ accounts, one per shop. The default login (shop A's GoQ) is
// set while no shop is known; shop A's key lands in A's GoQ, shop B's key
// waits instead of being posted into A's GoQ; once B has its own login, its
// key lands in B's GoQ. `history --json` names the login that got each key.
func TestTwoShopsEachKeyToItsOwnGoQ(t *testing.T) {
	bin := demoBuild(t)
	goqA, goqB := newFakeShopGoQ(t, "account-a"), newFakeShopGoQ(t, "account-b")
	dir := t.TempDir()
	// set-login runs before the helper exists: a CLI on the data dir alone.
	pre := &helperProc{dataDir: dir, addr: "127.0.0.1:0"}
	if out, err := pre.cliIn(t, "pw-account-a\n", "goq", "set-login", "--login-id", "account-a", "--base-url", goqA.baseURL); err != nil {
		t.Fatalf("set-login: %v\n%s", err, out)
	}
	h := wrap(helpertest.Start(t, helpertest.Options{Bin: bin, DataDir: dir, Args: []string{"run", "--no-tray", "--log-level", "debug"}}))

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c := pairAndAuth(ctx, t, h)
	defer c.Close()
	const keyA, keyB = "SL123456_Aa1Bb2Cc3Dd4Ee5F", "SL654321_Zz9Yy8Xx7Ww6Vv5U"
	a := testCapture("7a1c2a9e-0b1d-4c2e-8f3a-00000000000a", keyA)
	if _, err := c.Capture(ctx, a); err != nil {
		t.Fatal(err)
	}
	da := h.waitDelivery(t, "123456", keyrelay.DeliveryDelivered)
	if da.LoginID != "account-a" {
		t.Fatalf("shop A's key went to login %q", da.LoginID)
	}
	b := testCapture("7a1c2a9e-0b1d-4c2e-8f3a-00000000000b", keyB)
	b.Shop = keyrelay.ShopRef{ID: "654321", Name: "二号店"}
	if _, err := c.Capture(ctx, b); err != nil {
		t.Fatal(err)
	}
	h.waitDelivery(t, "654321", keyrelay.DeliveryWaitingLogin)
	if got := goqA.fake.PostCount(); got != 1 {
		t.Fatalf("shop A's GoQ got %d posts, want 1 (only A's key)", got)
	}
	if got := goqA.fake.Settings()[fakegoq.FieldLicenseKey]; got != keyA {
		t.Fatalf("shop A's GoQ holds …%s, want A's key", keyrelay.KeyLast4(got))
	}

	// Shop B gets its own GoQ account, from another process while the
	// helper runs; the helper delivers B's waiting key with it.
	if out, err := h.cliIn(t, "pw-account-b\n", "goq", "set-login", "--shop", "654321", "--login-id", "account-b", "--base-url", goqB.baseURL); err != nil {
		t.Fatalf("set-login --shop: %v\n%s", err, out)
	}
	db := h.waitDelivery(t, "654321", keyrelay.DeliveryDelivered)
	if db.LoginID != "account-b" {
		t.Fatalf("shop B's key went to login %q", db.LoginID)
	}
	if got := goqB.fake.Settings()[fakegoq.FieldLicenseKey]; got != keyB {
		t.Fatalf("shop B's GoQ holds …%s, want B's key", keyrelay.KeyLast4(got))
	}
	if got := goqA.fake.Settings()[fakegoq.FieldLicenseKey]; got != keyA || goqA.fake.PostCount() != 1 {
		t.Fatalf("shop A's GoQ changed: …%s after %d posts", keyrelay.KeyLast4(got), goqA.fake.PostCount())
	}
	text := h.cli(t, "history")
	if !strings.Contains(text, "[GoQログイン account-a]") || !strings.Contains(text, "[GoQログイン account-b]") {
		t.Fatalf("history does not name the logins:\n%s", text)
	}
	c.Close()
	h.stop(t)
	for _, k := range []string{keyA, keyB, "pw-account-a", "pw-account-b"} {
		if strings.Contains(h.output(), k) {
			t.Fatalf("the helper's log holds a secret (…%s)", keyrelay.KeyLast4(k))
		}
	}
}
