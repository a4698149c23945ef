//go:build demo

package main_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/keyrelay"
)

// TestKill9MidDelivery kills a real helper with SIGKILL while its GoQ save is
// in flight, restarts it on the same data dir, and checks with the fake's
// counters that the key reached GoQ exactly once. Both crash points matter:
// before GoQ processed the save (the restart must post it) and after (the
// restart must see it is already there and post nothing).
func TestKill9MidDelivery(t *testing.T) {
	for _, tc := range []struct {
		name        string
		saveFirst   bool // the fake stores the save before the helper dies
		wantStatus  string
		wantPostMin int
	}{
		{"killed before GoQ saved", false, keyrelay.DeliveryDelivered, 1},
		{"killed after GoQ saved", true, keyrelay.DeliveryAlreadyCurrent, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			fake := fakegoq.New(fakegoq.Options{})
			inSave := make(chan struct{}, 1)
			release := make(chan struct{})
			var hang atomic.Bool
			hang.Store(true)
			goqSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost && !strings.HasSuffix(r.URL.Path, "/login") && hang.Load() {
					if tc.saveFirst {
						fake.Handler().ServeHTTP(httptest.NewRecorder(), r)
					}
					select {
					case inSave <- struct{}{}:
					default:
					}
					select { // the helper dies with this request open
					case <-r.Context().Done():
					case <-release:
					}
					return
				}
				fake.Handler().ServeHTTP(w, r)
			}))
			defer goqSrv.Close()
			defer close(release)

			dir := t.TempDir()
			h := startHelper(t, dir)
			setLogin(t, h, goqSrv.URL+"/goq21/", fakegoq.DefaultPassword)
			c := pairAndAuth(ctx, t, h)
			key := "SL123456_Kill9Test000ABCD"
			if _, err := c.Capture(ctx, testCapture("2f1e0d9c-8b7a-4654-9321-0fedcba98765", key)); err != nil {
				t.Fatal(err)
			}
			select {
			case <-inSave:
			case <-ctx.Done():
				t.Fatalf("the helper never posted to GoQ; output:\n%s", h.output())
			}
			c.Close()
			h.Kill() // SIGKILL: no shutdown code runs
			firstLog := h.output()
			hang.Store(false)
			posts := fake.PostCount()

			h2 := startHelperAt(t, dir, h.addr)
			got := waitFinal(ctx, t, h2)
			if got.Status != tc.wantStatus {
				t.Fatalf("delivery = %s (%s), want %s; output:\n%s", got.Status, got.LastError, tc.wantStatus, h2.output())
			}
			if n := fake.SavedCount(); n != 1 {
				t.Fatalf("GoQ stored the key %d times, want exactly 1", n)
			}
			if tc.saveFirst && fake.PostCount() != posts {
				t.Fatalf("the restarted helper posted again (%d → %d posts) although GoQ already held the key", posts, fake.PostCount())
			}
			if gotKey := fake.Settings()[fakegoq.FieldLicenseKey]; gotKey != key {
				t.Fatalf("GoQ holds a different key after recovery")
			}
			h2.stop(t)
			for _, out := range []string{firstLog, h2.output()} {
				if strings.Contains(out, key) || strings.Contains(out, fakegoq.DefaultPassword) {
					t.Fatal("the key or the GoQ password appears in the helper's log")
				}
			}
			assertNoPlaintext(t, dir, key)
			assertNoPlaintext(t, dir, fakegoq.DefaultPassword)
		})
	}
}

// setLogin runs `keyrelay goq set-login` with the password on stdin, as an
// operator piping it from a password manager would.
func setLogin(t *testing.T, h *helperProc, baseURL, password string) {
	t.Helper()
	cmd := exec.Command(binary(t), "goq", "set-login", "--login-id", fakegoq.DefaultLoginID, "--base-url", baseURL,
		"--data-dir", h.dataDir, "--addr", h.addr)
	cmd.Env = append(os.Environ(), "KEYRELAY_KEYRING=file")
	cmd.Stdin = strings.NewReader(password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("goq set-login: %v\n%s", err, out)
	} else if strings.Contains(string(out), password) {
		t.Fatal("set-login echoed the password")
	}
}

// waitFinal polls `keyrelay history --json` until the newest capture's GoQ
// delivery reaches a final status.
func waitFinal(ctx context.Context, t *testing.T, h *helperProc) keyrelay.Delivery {
	t.Helper()
	for {
		var hist struct {
			Captures []struct {
				Deliveries []keyrelay.Delivery `json:"deliveries"`
			} `json:"captures"`
		}
		if err := json.Unmarshal([]byte(h.cli(t, "history", "--json")), &hist); err != nil {
			t.Fatal(err)
		}
		if len(hist.Captures) > 0 && len(hist.Captures[0].Deliveries) == 1 && keyrelay.DeliveryFinal(hist.Captures[0].Deliveries[0].Status) {
			return hist.Captures[0].Deliveries[0]
		}
		select {
		case <-ctx.Done():
			t.Fatalf("delivery never finished; output:\n%s", h.output())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
