package main_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"keyrelay/internal/keyrelay"
)

// cliIn runs the real binary with stdin and returns its output and error.
func (h *helperProc) cliIn(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(binary(t), append(args, "--data-dir", h.dataDir, "--addr", h.addr)...)
	cmd.Env = append(os.Environ(), "KEYRELAY_KEYRING=file")
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

type historyJSON struct {
	Captures []struct {
		ID         int64               `json:"id"`
		Shop       keyrelay.ShopRef    `json:"shop"`
		Deliveries []keyrelay.Delivery `json:"deliveries"`
	} `json:"captures"`
}

// statusByShop reads `keyrelay history --json` and returns each shop's
// delivery status.
func (h *helperProc) statusByShop(t *testing.T) map[string]string {
	t.Helper()
	var hist historyJSON
	out := h.cli(t, "history", "--json")
	if err := json.Unmarshal([]byte(out), &hist); err != nil {
		t.Fatalf("history --json: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, c := range hist.Captures {
		for _, d := range c.Deliveries {
			got[c.Shop.ID] = d.Status
		}
	}
	return got
}

// TestGoQLoginBindingCLI runs the real binary: keys of two shops wait for a
// GoQ login; the default login set with `goq set-login` becomes the first
// shop's only, `goq list` names the shop without a login, and `goq assign`
// gives it one and resumes its delivery. The helper is stopped before any
// login exists, so nothing is posted to the real GoQ from here.
func TestGoQLoginBindingCLI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h := startHelper(t, t.TempDir())
	c := pairAndAuth(ctx, t, h)
	a := testCapture("3f1c2a9e-0b1d-4c2e-8f3a-000000000001", testKey)
	b := testCapture("3f1c2a9e-0b1d-4c2e-8f3a-000000000002", "SL654321_Hk4Jn8Bv2Cx6Zm9Q")
	b.Shop = keyrelay.ShopRef{ID: "654321", Name: "二号店"}
	if _, err := c.Capture(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Capture(ctx, b); err != nil {
		t.Fatal(err)
	}
	c.Close()
	h.stop(t)

	if got := h.statusByShop(t); got["123456"] != keyrelay.DeliveryWaitingLogin || got["654321"] != keyrelay.DeliveryWaitingLogin {
		t.Fatalf("before any login: %v", got)
	}
	out, err := h.cliIn(t, "pw-shared\n", "goq", "set-login", "--login-id", "shared")
	if err != nil || !strings.Contains(out, "1 waiting deliveries resume") {
		t.Fatalf("set-login: %v\n%s", err, out)
	}
	if got := h.statusByShop(t); got["123456"] != keyrelay.DeliveryPending || got["654321"] != keyrelay.DeliveryWaitingLogin {
		t.Fatalf("after the default login: %v, want only the first shop pending", got)
	}

	var list struct {
		Logins  []keyrelay.Credentials `json:"logins"`
		Without []string               `json:"shops_without_login"`
	}
	out = h.cli(t, "goq", "list", "--json")
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("goq list --json: %v\n%s", err, out)
	}
	if len(list.Logins) != 1 || strings.Join(list.Logins[0].Shops, ",") != "id:123456" || strings.Join(list.Without, ",") != "id:654321" {
		t.Fatalf("goq list: %s", out)
	}
	if strings.Contains(out, "pw-shared") {
		t.Fatal("goq list printed the password")
	}
	if text := h.cli(t, "goq", "list"); !strings.Contains(text, "id:654321 (二号店)") {
		t.Fatalf("goq list does not name the shop without a login:\n%s", text)
	}

	out = h.cli(t, "goq", "assign", "--login", "shared", "--shop", "654321")
	if !strings.Contains(out, "1 waiting deliveries resume") {
		t.Fatalf("assign: %s", out)
	}
	if got := h.statusByShop(t); got["654321"] != keyrelay.DeliveryPending {
		t.Fatalf("after assign: %v", got)
	}
	h.cli(t, "goq", "unassign", "--login", "shared", "--shop", "654321")
	if _, err := h.cliIn(t, "", "goq", "unassign", "--login", "shared", "--shop", "654321"); err == nil {
		t.Fatal("unassigning a shop twice succeeded")
	}

	// The GoQ page path is a setting, checked before it is stored.
	if out, err := h.cliIn(t, "", "goq", "set-login", "--login-id", "shared", "--keep-password", "--settings-path", "../admin"); err == nil {
		t.Fatalf("a path with .. was accepted: %s", out)
	}
	if out, err := h.cliIn(t, "", "goq", "set-login", "--login-id", "shared", "--keep-password", "--settings-path", "setting/v2/webapi"); err != nil {
		t.Fatalf("set-login --settings-path: %v\n%s", err, out)
	}
	out = h.cli(t, "goq", "list", "--json")
	if !strings.Contains(out, `"settings_path": "setting/v2/webapi"`) {
		t.Fatalf("path not stored: %s", out)
	}
	assertNoPlaintext(t, h.dataDir, "pw-shared")
}
