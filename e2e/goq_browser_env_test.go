//go:build demo

package e2e_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/fakes/rms"
	"keyrelay/internal/fakes/tlsfake"
	"keyrelay/internal/keyrelay"
	"keyrelay/internal/sqlite"
)

// goqHost (goq_diff_test.go) is GoQSystem's real name; Chromium resolves
// it to the fake.
const goqBase = "https://" + goqHost + fakegoq.BasePath

// goqServer serves whichever fake GoQ a test put in (use), over HTTPS under
// GoQ's real name. hold, when set, runs before a save POST is handled
// while every other request waits: a test can close the tab or stop the
// service worker "mid-fill" and know that nothing reads GoQ meanwhile.
type goqServer struct {
	fake  atomic.Pointer[fakegoq.Server]
	addr  string
	certs *tlsfake.Certs
	gate  sync.RWMutex
	hold  atomic.Pointer[func()]
}

func startGoQServer(t testing.TB) *goqServer {
	t.Helper()
	certs, err := tlsfake.New(goqHost)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &goqServer{addr: ln.Addr().String(), certs: certs}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path != fakegoq.LoginPath {
			g.gate.Lock()
			defer g.gate.Unlock()
			if h := g.hold.Swap(nil); h != nil {
				(*h)()
			}
		} else {
			g.gate.RLock()
			defer g.gate.RUnlock()
		}
		g.fake.Load().Handler().ServeHTTP(w, r)
	})}
	go srv.Serve(tls.NewListener(ln, certs.Server))
	t.Cleanup(func() { srv.Close() })
	return g
}

func (g *goqServer) use(f *fakegoq.Server) *fakegoq.Server { g.fake.Store(f); return f }

// holdNextSave makes the next save POST run f first (see goqServer).
func (g *goqServer) holdNextSave(f func()) { g.hold.Store(&f) }

func (g *goqServer) flags() map[string]string {
	return map[string]string{
		"host-resolver-rules":                 "MAP " + goqHost + " " + g.addr,
		"ignore-certificate-errors-spki-list": g.certs.SPKIHash,
	}
}

// grantGoQ makes the test copy of the extension hold the optional GoQ host
// permission from install, as if the operator had granted it: the
// permission prompt is browser UI that a headless test cannot click.
func grantGoQ(t testing.TB, ext string) {
	t.Helper()
	p := filepath.Join(ext, "manifest.json")
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	opt, _ := m["optional_host_permissions"].([]any)
	if len(opt) != 1 || opt[0] != "https://*.goqsystem.com/*" {
		t.Fatalf("manifest.json optional_host_permissions = %v, want only https://*.goqsystem.com/*", opt)
	}
	m["host_permissions"] = append(m["host_permissions"].([]any), opt[0])
	delete(m, "optional_host_permissions")
	out, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// goqEnv is env plus a fake GoQ, with the shop in browser mode.
type goqEnv struct {
	*env
	goq *goqServer
}

const goqShop = "123456" // the fake RMS's shop

func newGoQEnv(t testing.TB, grant bool) *goqEnv {
	t.Helper()
	return newGoQEnvWith(t, grant, true)
}

// newGoQEnvWith: browserMode false leaves the shop in helper mode (no login
// set: its keys wait for one).
func newGoQEnvWith(t testing.TB, grant, browserMode bool) *goqEnv {
	t.Helper()
	requireChromium(t)
	ext := requireExtension(t)
	if grant {
		grantGoQ(t, ext)
	}
	g := startGoQServer(t)
	g.use(fakegoq.New(fakegoq.Options{}))
	e := &env{fake: startRMS(t, *currentOptions()), h: newHelper(t)}
	e.h.start(t)
	e.b = startBrowser(t, browserOptions{Extension: ext, RMS: e.fake, Flags: g.flags()})
	mustSW[any](t, e.b, fmt.Sprintf(`keyrelaySetPort(%d)`, e.h.port))
	e.pair(t)
	if browserMode {
		// The shop's GoQ account is the fake's default one, where the
		// operator logs in (loginGoQ).
		e.h.cli(t, "goq", "set-mode", "--shop", goqShop, "browser", "--account", fakegoq.DefaultLoginID)
	}
	return &goqEnv{env: e, goq: g}
}

// loginGoQ is the operator logging in to GoQ in tab tb (never keyrelay).
func (e *goqEnv) loginGoQ(t testing.TB, tb *tab) {
	t.Helper()
	loginGoQAs(t, tb, fakegoq.DefaultLoginID, fakegoq.DefaultPassword)
}

// loginGoQAs is the operator logging in to GoQ account id in tab tb, which
// shows GoQ's login page.
func loginGoQAs(t testing.TB, tb *tab, id, password string) {
	t.Helper()
	tb.do(t, "the operator logs in to GoQ as "+id,
		chromedp.WaitVisible(chromedp.CSS(`input[name="login_id"]`)),
		chromedp.SetValue(chromedp.CSS(`input[name="login_id"]`), id),
		chromedp.SetValue(chromedp.CSS(`input[name="password"]`), password),
		chromedp.Click(chromedp.CSS(`button[name="do_login"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`input[name="password"]`)),
	)
}

// logoutGoQ is the operator pressing GoQ's ログアウト in tab tb.
func logoutGoQ(t testing.TB, tb *tab) {
	t.Helper()
	tb.do(t, "the operator logs out of GoQ",
		chromedp.Click(chromedp.CSS(`#logoutForm button`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`)),
	)
}

// captureGoQKey captures the GoQ app's key from the fake RMS.
func (e *goqEnv) captureGoQKey(t testing.TB) (captureID, key string) {
	t.Helper()
	tb := e.b.openTab(t, rms.DetailURL(rms.GoQApp))
	tb.revealAsOperator(t)
	r := e.capture(t, tb)
	if r.CaptureID == "" || r.Status != "stored" {
		t.Fatalf("capture = %+v, want stored", r)
	}
	tb.close()
	return r.CaptureID, e.fake.Key(rms.GoQApp)
}

// delivery reads the capture's GoQ delivery and attempts from the helper's
// database.
func (e *goqEnv) delivery(t testing.TB, captureID string) (*keyrelay.Delivery, []*keyrelay.DeliveryAttempt) {
	t.Helper()
	st := e.h.store(t)
	c := st.byUUID(t, captureID)
	ds := sqlite.NewDeliveryService(st.db)
	ctx := context.Background()
	list, err := ds.FindDeliveries(ctx, keyrelay.DeliveryFilter{CaptureID: c.ID})
	if err != nil || len(list) != 1 {
		t.Fatalf("deliveries of %s: %v, %d rows", captureID, err, len(list))
	}
	as, err := ds.FindAttempts(ctx, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return list[0], as
}

// waitDelivery waits until the capture's delivery has status want.
func (e *goqEnv) waitDelivery(t testing.TB, captureID, want string, d time.Duration) *keyrelay.Delivery {
	t.Helper()
	var got *keyrelay.Delivery
	eventually(t, d, "delivery "+want, func() (bool, string) {
		got, _ = e.delivery(t, captureID)
		return got.Status == want, fmt.Sprintf("status %s: %s", got.Status, got.LastError)
	})
	return got
}
