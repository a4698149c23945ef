//go:build demo

package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/fakes/tlsfake"
	"keyrelay/internal/goq"
	"keyrelay/internal/keyrelay"
	"keyrelay/internal/reminder"
	"keyrelay/internal/secret"
	"keyrelay/internal/sqlite"
	"keyrelay/internal/web"
)

// testKey is the full key seeded into every env; no page may ever show it.
const testKey = "SL123456_Qw3rTy7uI9oP2aZ5"

const testShopName = "テスト商店ふじ"

// env is a helper web server over a real SQLite file on a real loopback port.
type env struct {
	t      testing.TB
	db     *sqlite.DB
	srv    *web.Server
	ts     *httptest.Server
	base   string
	logBuf *bytes.Buffer
	wakes  atomic.Int64

	captures    keyrelay.CaptureService
	sessions    keyrelay.SessionService
	deliveries  keyrelay.DeliveryService
	audit       keyrelay.AuditService
	credentials keyrelay.CredentialService
	pairings    keyrelay.PairingService
}

// lockedWriter lets the server's logger write from many handlers at once.
type lockedWriter struct {
	mu  sync.Mutex
	buf *bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

type wakeCounter struct{ n *atomic.Int64 }

func (w wakeCounter) Wake() { w.n.Add(1) }

// newEnv starts a server; configure runs before it serves, to set optional
// dependencies without racing the handlers.
func newEnv(t testing.TB, configure ...func(*env)) *env {
	t.Helper()
	dir := t.TempDir()
	sealer, err := secret.Open(dir, secret.ModeFile)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(filepath.Join(dir, "keyrelay.db"), sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })

	e := &env{t: t, db: db, logBuf: &bytes.Buffer{}}
	e.captures = sqlite.NewCaptureService(db)
	e.sessions = sqlite.NewSessionService(db)
	e.deliveries = sqlite.NewDeliveryService(db)
	e.audit = sqlite.NewAuditService(db)
	e.credentials = sqlite.NewCredentialService(db)
	e.pairings = sqlite.NewPairingService(db)

	srv, err := web.New()
	if err != nil {
		t.Fatal(err)
	}
	srv.Captures = e.captures
	srv.Export = sqlite.NewCaptureService(db)
	srv.Shops = sqlite.NewShopService(db)
	srv.Pairings = e.pairings
	srv.Audit = e.audit
	srv.Sessions = e.sessions
	srv.Deliveries = e.deliveries
	srv.Credentials = e.credentials
	srv.Outbox = wakeCounter{&e.wakes}
	srv.Logger = slog.New(slog.NewTextHandler(&lockedWriter{buf: e.logBuf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.srv = srv
	for _, f := range configure {
		f(e)
	}

	e.ts = httptest.NewUnstartedServer(nil)
	srv.Port = e.ts.Listener.Addr().(*net.TCPAddr).Port
	e.ts.Config.Handler = srv.Handler()
	e.ts.Start()
	t.Cleanup(e.ts.Close)
	e.base = e.ts.URL
	return e
}

// seed stores a capture for the test shop and returns it.
func (e *env) seed(app, key string, apis ...string) *keyrelay.Capture {
	e.t.Helper()
	return e.seedWith(app, key, func(c *keyrelay.Capture) {
		for _, a := range apis {
			c.APIs = append(c.APIs, keyrelay.API{Name: a, Description: a + " の説明"})
		}
	})
}

func (e *env) seedWith(app, key string, edit func(*keyrelay.Capture)) *keyrelay.Capture {
	e.t.Helper()
	c := &keyrelay.Capture{
		UUID:       newUUID(),
		Shop:       keyrelay.ShopRef{ID: "123456", URL: "https://www.rakuten.co.jp/fuji/", Name: testShopName},
		AppName:    app,
		Developer:  "株式会社GoQSystem",
		AppURL:     "http://goqsystem.com/",
		State:      "利用中",
		Expiry:     "2026/02/25",
		PageURL:    "https://webservice.rms.rakuten.co.jp/license",
		CapturedAt: time.Now().UTC(),
		Key:        key,
	}
	edit(c)
	stored, _, err := e.captures.CreateCapture(context.Background(), c)
	if err != nil {
		e.t.Fatal(err)
	}
	return stored
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// login redeems a fresh token and returns the session cookie.
func (e *env) login() *http.Cookie {
	e.t.Helper()
	token, err := e.sessions.CreateLoginToken(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	res := e.do("GET", "/login?token="+url.QueryEscape(token), nil)
	if res.code != http.StatusOK {
		e.t.Fatalf("login: got %d, want 200: %s", res.code, res.body)
	}
	for _, c := range res.cookies {
		if c.Name == web.SessionCookieName(e.srv.Port) {
			return c
		}
	}
	e.t.Fatal("login set no session cookie")
	return nil
}

type response struct {
	code    int
	body    string
	header  http.Header
	cookies []*http.Cookie
}

type reqOpt func(*http.Request)

func withCookies(cs ...*http.Cookie) reqOpt {
	return func(r *http.Request) {
		for _, c := range cs {
			r.AddCookie(c)
		}
	}
}

func withHeader(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

func withHost(h string) reqOpt { return func(r *http.Request) { r.Host = h } }

// do sends one request without following redirects.
func (e *env) do(method, path string, form url.Values, opts ...reqOpt) response {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.base+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, o := range opts {
		o(req)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{code: res.StatusCode, body: string(b), header: res.Header, cookies: res.Cookies()}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the session's CSRF token from a page, as a browser form would.
func (e *env) csrf(cookie *http.Cookie) string {
	e.t.Helper()
	res := e.do("GET", "/", nil, withCookies(cookie))
	m := csrfField.FindStringSubmatch(res.body)
	if m == nil {
		e.t.Fatalf("no csrf field on the home page: %s", res.body)
	}
	return m[1]
}

func (e *env) auditKinds() map[string]int {
	e.t.Helper()
	evs, err := e.audit.FindAuditEvents(context.Background(), keyrelay.AuditFilter{Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	got := map[string]int{}
	for _, ev := range evs {
		got[ev.Kind]++
	}
	return got
}

// samplePath turns a route pattern into a method and a concrete path.
func samplePath(pattern string) (method, path string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "GET", pattern
	}
	path = strings.ReplaceAll(path, "{$}", "")
	path = strings.ReplaceAll(path, "{id}", "1")
	if pattern == "GET /" {
		path = "/no-such-page"
	}
	return method, path
}

func TestHostRefusedOnEveryRoute(t *testing.T) {
	e := newEnv(t)
	e.seed("GoQ System (ごくシステム)", testKey)
	cookie := e.login()
	token := e.csrf(cookie)
	routes := e.srv.Routes()
	for _, want := range []string{"GET /{$}", "GET /ws", "GET /login", "GET /captures.csv"} {
		if !contains(routes, want) {
			t.Fatalf("route table lacks %q: %v", want, routes)
		}
	}
	before := e.auditKinds()[keyrelay.AuditHostRefused]
	for _, pattern := range routes {
		for _, host := range []string{"evil.example", "evil.example:" + strconv.Itoa(e.srv.Port), "127.0.0.1:1"} {
			method, path := samplePath(pattern)
			t.Run(pattern+" "+host, func(t *testing.T) {
				var form url.Values
				if method == "POST" {
					form = url.Values{"csrf": {token}}
				}
				res := e.do(method, path, form, withHost(host), withCookies(cookie))
				if got, want := res.code, http.StatusForbidden; got != want {
					t.Fatalf("%s %s Host %s: got %d, want %d", method, path, host, got, want)
				}
				if strings.Contains(res.body, testShopName) {
					t.Fatal("refused response carries data")
				}
				checkSecurityHeaders(t, res)
			})
		}
	}
	if got, want := e.auditKinds()[keyrelay.AuditHostRefused]-before, 3*len(routes); got != want {
		t.Errorf("host_refused audit entries: got %d, want %d", got, want)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestNoCookieNoData(t *testing.T) {
	e := newEnv(t)
	c := e.seed("GoQ System (ごくシステム)", testKey)
	last4 := keyrelay.KeyLast4(testKey)
	paths := []string{"/", "/captures/" + strconv.FormatInt(c.ID, 10), "/captures.csv", "/pairings", "/audit", "/settings", "/api/status", "/?q=fuji"}
	for _, cookie := range []*http.Cookie{nil, {Name: web.SessionCookieName(e.srv.Port), Value: "forged-session-value"}} {
		name := "no cookie"
		if cookie != nil {
			name = "forged cookie"
		}
		for _, p := range paths {
			t.Run(name+" "+p, func(t *testing.T) {
				var opts []reqOpt
				if cookie != nil {
					opts = append(opts, withCookies(cookie))
				}
				res := e.do("GET", p, nil, opts...)
				if got, want := res.code, http.StatusUnauthorized; got != want {
					t.Fatalf("got %d, want %d", got, want)
				}
				for _, secretish := range []string{testShopName, last4, "GoQ System", "123456"} {
					if strings.Contains(res.body, secretish) {
						t.Errorf("body contains %q without a session", secretish)
					}
				}
				if !strings.Contains(res.body, "keyrelay open") {
					t.Errorf("body does not tell the operator to run keyrelay open: %s", res.body)
				}
				if strings.Contains(res.body, `name="csrf"`) {
					t.Error("a page without a session has a form")
				}
			})
		}
	}
}

func TestLoginTokenWorksOnce(t *testing.T) {
	e := newEnv(t)
	e.seed("GoQ System (ごくシステム)", testKey)
	token, err := e.sessions.CreateLoginToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	first := e.do("GET", "/login?token="+url.QueryEscape(token), nil)
	if got, want := first.code, http.StatusOK; got != want {
		t.Fatalf("first redeem: got %d, want %d", got, want)
	}
	var cookie *http.Cookie
	for _, c := range first.cookies {
		if c.Name == web.SessionCookieName(e.srv.Port) {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatal("no session cookie")
	}
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/" {
		t.Errorf("cookie: HttpOnly=%v SameSite=%v Path=%q, want true Strict /", cookie.HttpOnly, cookie.SameSite, cookie.Path)
	}
	if !strings.Contains(first.body, `http-equiv="refresh" content="0;url=/"`) {
		t.Errorf("login page does not move on to /: %s", first.body)
	}
	home := e.do("GET", "/", nil, withCookies(cookie))
	if got, want := home.code, http.StatusOK; got != want {
		t.Fatalf("home with cookie: got %d, want %d", got, want)
	}
	if !strings.Contains(home.body, testShopName) {
		t.Error("home with a session does not show the seeded shop")
	}

	t.Run("second use", func(t *testing.T) {
		res := e.do("GET", "/login?token="+url.QueryEscape(token), nil)
		if got, want := res.code, http.StatusUnauthorized; got != want {
			t.Fatalf("got %d, want %d", got, want)
		}
		if len(res.cookies) != 0 {
			t.Errorf("a used token set cookies: %v", res.cookies)
		}
		if !strings.Contains(res.body, "keyrelay open") || !strings.Contains(res.body, "使用済み") {
			t.Errorf("used-token page does not explain: %s", res.body)
		}
	})
	t.Run("unknown token", func(t *testing.T) {
		res := e.do("GET", "/login?token=nope", nil)
		if got, want := res.code, http.StatusUnauthorized; got != want {
			t.Fatalf("got %d, want %d", got, want)
		}
	})
	t.Run("no token", func(t *testing.T) {
		res := e.do("GET", "/login", nil)
		if got, want := res.code, http.StatusUnauthorized; got != want {
			t.Fatalf("got %d, want %d", got, want)
		}
	})
	kinds := e.auditKinds()
	if kinds[keyrelay.AuditLogin] != 1 || kinds[keyrelay.AuditLoginRefused] != 3 {
		t.Errorf("audit: got login=%d login_refused=%d, want 1 and 3", kinds[keyrelay.AuditLogin], kinds[keyrelay.AuditLoginRefused])
	}

	t.Run("logout ends the session", func(t *testing.T) {
		tok := e.csrf(cookie)
		res := e.do("POST", "/logout", url.Values{"csrf": {tok}}, withCookies(cookie))
		if got, want := res.code, http.StatusOK; got != want {
			t.Fatalf("logout: got %d, want %d", got, want)
		}
		if got, want := e.do("GET", "/", nil, withCookies(cookie)).code, http.StatusUnauthorized; got != want {
			t.Fatalf("after logout: got %d, want %d", got, want)
		}
	})
}

func TestPostNeedsCSRF(t *testing.T) {
	e := newEnv(t)
	cookie := e.login()
	token := e.csrf(cookie)
	other := e.login() // a second session: its token must not work for the first
	otherToken := e.csrf(other)
	origin := "http://127.0.0.1:" + strconv.Itoa(e.srv.Port)

	cases := []struct {
		name string
		form url.Values
		opts []reqOpt
	}{
		{"no token", url.Values{"lang": {"en"}}, []reqOpt{withCookies(cookie)}},
		{"empty token", url.Values{"lang": {"en"}, "csrf": {""}}, []reqOpt{withCookies(cookie)}},
		{"wrong token", url.Values{"lang": {"en"}, "csrf": {"x" + token}}, []reqOpt{withCookies(cookie)}},
		{"another session's token", url.Values{"lang": {"en"}, "csrf": {otherToken}}, []reqOpt{withCookies(cookie)}},
		{"token in the query only", nil, []reqOpt{withCookies(cookie)}},
		{"no session", url.Values{"lang": {"en"}, "csrf": {token}}, nil},
		{"cross-site Sec-Fetch-Site", url.Values{"lang": {"en"}, "csrf": {token}}, []reqOpt{withCookies(cookie), withHeader("Sec-Fetch-Site", "cross-site")}},
		{"same-site Sec-Fetch-Site", url.Values{"lang": {"en"}, "csrf": {token}}, []reqOpt{withCookies(cookie), withHeader("Sec-Fetch-Site", "same-site")}},
		{"foreign Origin", url.Values{"lang": {"en"}, "csrf": {token}}, []reqOpt{withCookies(cookie), withHeader("Origin", "https://evil.example")}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.auditKinds()[keyrelay.AuditCSRFRefused]
			path := "/lang"
			if tc.form == nil {
				path += "?csrf=" + url.QueryEscape(token)
			}
			res := e.do("POST", path, tc.form, tc.opts...)
			if got, want := res.code, http.StatusForbidden; got != want {
				t.Fatalf("case %d: got %d, want %d", i, got, want)
			}
			for _, c := range res.cookies {
				if c.Name == "lang" {
					t.Error("a refused POST changed the language")
				}
			}
			if !strings.Contains(res.body, "この操作は受け付けられませんでした") || !strings.Contains(res.body, "This action was refused") {
				t.Errorf("403 page is not bilingual: %s", res.body)
			}
			if got, want := e.auditKinds()[keyrelay.AuditCSRFRefused]-before, 1; got != want {
				t.Errorf("csrf_refused audit entries: got %d, want %d", got, want)
			}
		})
	}
	t.Run("valid token and same origin", func(t *testing.T) {
		res := e.do("POST", "/lang", url.Values{"lang": {"en"}, "csrf": {token}, "next": {"/audit"}},
			withCookies(cookie), withHeader("Sec-Fetch-Site", "same-origin"), withHeader("Origin", origin))
		if got, want := res.code, http.StatusSeeOther; got != want {
			t.Fatalf("got %d, want %d: %s", got, want, res.body)
		}
		if got, want := res.header.Get("Location"), "/audit"; got != want {
			t.Errorf("Location: got %q, want %q", got, want)
		}
	})
	t.Run("every POST route refuses a missing token", func(t *testing.T) {
		for _, pattern := range e.srv.Routes() {
			method, path := samplePath(pattern)
			if method != "POST" {
				continue
			}
			res := e.do(method, path, url.Values{"code": {"123456"}}, withCookies(cookie))
			if got, want := res.code, http.StatusForbidden; got != want {
				t.Errorf("%s: got %d, want %d", pattern, got, want)
			}
		}
	})
}

func checkSecurityHeaders(t *testing.T, res response) {
	t.Helper()
	want := map[string]string{
		"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
	}
	for k, v := range want {
		if got := res.header.Get(k); got != v {
			t.Errorf("%s: got %q, want %q", k, got, v)
		}
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	e := newEnv(t)
	c := e.seed("GoQ System (ごくシステム)", testKey)
	cookie := e.login()
	id := strconv.FormatInt(c.ID, 10)
	cases := []struct {
		name, method, path string
		opts               []reqOpt
		code               int
		noStore            bool
	}{
		{"home", "GET", "/", []reqOpt{withCookies(cookie)}, 200, true},
		{"detail", "GET", "/captures/" + id, []reqOpt{withCookies(cookie)}, 200, true},
		{"csv", "GET", "/captures.csv", []reqOpt{withCookies(cookie)}, 200, true},
		{"pairings", "GET", "/pairings", []reqOpt{withCookies(cookie)}, 200, true},
		{"audit", "GET", "/audit", []reqOpt{withCookies(cookie)}, 200, true},
		{"settings", "GET", "/settings", []reqOpt{withCookies(cookie)}, 200, true},
		{"api status", "GET", "/api/status", []reqOpt{withCookies(cookie)}, 200, true},
		{"stylesheet", "GET", "/static/style.css", nil, 200, false},
		{"no session", "GET", "/", nil, 401, true},
		{"unknown capture", "GET", "/captures/999999", []reqOpt{withCookies(cookie)}, 404, true},
		{"bad id", "GET", "/captures/abc", []reqOpt{withCookies(cookie)}, 404, true},
		{"unknown page", "GET", "/nope", nil, 404, true},
		{"wrong method", "DELETE", "/captures.csv", nil, 405, true},
		{"csrf refused", "POST", "/lang", []reqOpt{withCookies(cookie)}, 403, true},
		{"host refused", "GET", "/", []reqOpt{withHost("evil.example")}, 403, true},
		{"login refused", "GET", "/login?token=x", nil, 401, true},
		{"no websocket", "GET", "/ws", nil, 503, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var form url.Values
			if tc.method == "POST" {
				form = url.Values{}
			}
			res := e.do(tc.method, tc.path, form, tc.opts...)
			if res.code != tc.code {
				t.Fatalf("got %d, want %d", res.code, tc.code)
			}
			checkSecurityHeaders(t, res)
			if tc.noStore && res.header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control: got %q, want no-store", res.header.Get("Cache-Control"))
			}
			if strings.Contains(res.body, "<script") || strings.Contains(res.body, "style=") {
				t.Error("page has inline script or style")
			}
		})
	}
}

func TestCSVExport(t *testing.T) {
	e := newEnv(t)
	e.seed("GoQ System (ごくシステム)", testKey)
	e.seed("=HYPERLINK(\"http://evil.example\")", "SL123456_Zx9cVb8nM7lK6jH5")
	cookie := e.login()
	res := e.do("GET", "/captures.csv", nil, withCookies(cookie))
	if got, want := res.code, http.StatusOK; got != want {
		t.Fatalf("got %d, want %d", got, want)
	}
	if !strings.HasPrefix(res.body, "\ufeff") {
		t.Fatalf("CSV does not start with the UTF-8 BOM: %q", res.body[:10])
	}
	if got := res.header.Get("Content-Disposition"); !strings.HasPrefix(got, "attachment;") {
		t.Errorf("Content-Disposition: got %q, want attachment", got)
	}
	if got := res.header.Get("Content-Type"); !strings.HasPrefix(got, "text/csv") {
		t.Errorf("Content-Type: got %q", got)
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(records), 3; got != want {
		t.Fatalf("records: got %d, want %d", got, want)
	}
	if got, want := records[0][1], "取得日時"; got != want {
		t.Errorf("header: got %q, want %q", got, want)
	}
	keyCol := -1
	for i, h := range records[0] {
		if strings.HasPrefix(h, "ライセンスキー") {
			keyCol = i
		}
	}
	if keyCol < 0 {
		t.Fatalf("no key column in %v", records[0])
	}
	if got, want := records[2][keyCol], keyrelay.KeyLast4(testKey); got != want {
		t.Errorf("key column: got %q, want %q", got, want)
	}
	if got, want := records[1][3], `'=HYPERLINK("http://evil.example")`; got != want {
		t.Errorf("formula cell: got %q, want %q (defused)", got, want)
	}
	if strings.Contains(res.body, testKey) {
		t.Error("CSV contains the full key")
	}
	if !regexp.MustCompile(`^\d{4}/\d{2}/\d{2} \d{2}:\d{2}$`).MatchString(records[1][1]) {
		t.Errorf("date: got %q, want RMS style 2025/05/26 10:00", records[1][1])
	}
}

func TestFullKeyNeverShown(t *testing.T) {
	e := newEnv(t)
	first := e.seed("GoQ System (ごくシステム)", testKey, "rakuten.order.get")
	second := e.seed("GoQ System (ごくシステム)", "SL123456_Mn8bV7cX6zL5kJ4h", "rakuten.order.get", "cabinet.file.delete")
	cookie := e.login()
	paths := []string{"/", "/captures/" + strconv.FormatInt(first.ID, 10), "/captures/" + strconv.FormatInt(second.ID, 10),
		"/captures.csv", "/pairings", "/audit", "/settings", "/api/status", "/?q=" + url.QueryEscape(testKey[len(testKey)-4:])}
	for _, p := range paths {
		res := e.do("GET", p, nil, withCookies(cookie))
		if res.code != http.StatusOK {
			t.Errorf("%s: got %d, want 200", p, res.code)
		}
		for _, k := range []string{testKey, "SL123456_Mn8bV7cX6zL5kJ4h", testKey[:12]} {
			if strings.Contains(res.body, k) {
				t.Errorf("%s shows (part of) the full key", p)
			}
		}
	}
	if strings.Contains(e.logBuf.String(), testKey) {
		t.Error("the log contains the key")
	}
}

func TestEnglishSwitch(t *testing.T) {
	e := newEnv(t)
	e.seed("GoQ System (ごくシステム)", testKey)
	cookie := e.login()
	ja := e.do("GET", "/", nil, withCookies(cookie))
	if !strings.Contains(ja.body, "取得履歴") || !strings.Contains(ja.body, `lang="ja"`) {
		t.Fatal("default page is not Japanese")
	}
	res := e.do("POST", "/lang", url.Values{"csrf": {e.csrf(cookie)}, "lang": {"en"}, "next": {"/"}}, withCookies(cookie))
	if got, want := res.code, http.StatusSeeOther; got != want {
		t.Fatalf("got %d, want %d", got, want)
	}
	var langCookie *http.Cookie
	for _, c := range res.cookies {
		if c.Name == "lang" {
			langCookie = c
		}
	}
	if langCookie == nil || langCookie.Value != "en" {
		t.Fatalf("lang cookie: got %v, want en", langCookie)
	}
	for _, p := range []string{"/", "/pairings", "/audit", "/settings"} {
		en := e.do("GET", p, nil, withCookies(cookie, langCookie))
		if !strings.Contains(en.body, `lang="en"`) || !strings.Contains(en.body, "History") {
			t.Errorf("%s is not English", p)
		}
		if strings.Contains(en.body, "??") {
			t.Errorf("%s has a missing message: %s", p, en.body)
		}
	}
	t.Run("an offsite next goes home", func(t *testing.T) {
		for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
			res := e.do("POST", "/lang", url.Values{"csrf": {e.csrf(cookie)}, "lang": {"ja"}, "next": {next}}, withCookies(cookie))
			if got, want := res.header.Get("Location"), "/"; got != want {
				t.Errorf("next %q: Location %q, want %q", next, got, want)
			}
		}
	})
}

var captureLink = regexp.MustCompile(`href="/captures/(\d+)"`)

func TestPagination(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 120; i++ {
		e.seed(fmt.Sprintf("アプリ%03d", i), fmt.Sprintf("SL123456_Pag%013d", i))
	}
	cookie := e.login()
	var ids []int64
	next := "/"
	pages := 0
	for next != "" {
		pages++
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		res := e.do("GET", next, nil, withCookies(cookie))
		if res.code != http.StatusOK {
			t.Fatalf("%s: got %d", next, res.code)
		}
		if !strings.Contains(res.body, "120件") {
			t.Errorf("%s: total 120件 not shown", next)
		}
		for _, m := range captureLink.FindAllStringSubmatch(res.body, -1) {
			id, _ := strconv.ParseInt(m[1], 10, 64)
			ids = append(ids, id)
		}
		next = ""
		if m := regexp.MustCompile(`<a href="([^"]+)" rel="next">次へ</a>`).FindStringSubmatch(res.body); m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if got, want := pages, 3; got != want {
		t.Errorf("pages: got %d, want %d", got, want)
	}
	if got, want := len(ids), 120; got != want {
		t.Fatalf("rows over all pages: got %d, want %d", got, want)
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] >= ids[i-1] {
			t.Fatalf("not newest first at %d: %d then %d", i, ids[i-1], ids[i])
		}
	}

	t.Run("text filter", func(t *testing.T) {
		res := e.do("GET", "/?q="+url.QueryEscape("アプリ007"), nil, withCookies(cookie))
		if got, want := len(captureLink.FindAllString(res.body, -1)), 1; got != want {
			t.Errorf("rows: got %d, want %d", got, want)
		}
	})
	t.Run("shop filter", func(t *testing.T) {
		res := e.do("GET", "/?shop=999", nil, withCookies(cookie))
		if got, want := len(captureLink.FindAllString(res.body, -1)), 0; got != want {
			t.Errorf("rows for an unknown shop: got %d, want %d", got, want)
		}
	})
}

func TestCaptureDetailShowsChanges(t *testing.T) {
	e := newEnv(t)
	e.seed("GoQ System (ごくシステム)", testKey, "rakuten.order.get", "cabinet.file.delete")
	second := e.seed("GoQ System (ごくシステム)", "SL123456_Mn8bV7cX6zL5kJ4h", "rakuten.order.get", "rakuten.item.search")
	cookie := e.login()
	res := e.do("GET", "/captures/"+strconv.FormatInt(second.ID, 10), nil, withCookies(cookie))
	if res.code != http.StatusOK {
		t.Fatalf("got %d", res.code)
	}
	for _, want := range []string{
		"ライセンスキーが変わりました（末尾4桁: " + keyrelay.KeyLast4(testKey) + " → 末尾4桁: kJ4h）",
		"追加されたAPI：rakuten.item.search",
		"削除されたAPI：cabinet.file.delete",
		"rakuten.order.get の説明",
	} {
		if !strings.Contains(res.body, want) {
			t.Errorf("detail lacks %q", want)
		}
	}
}

func TestRetryButton(t *testing.T) {
	e := newEnv(t)
	c := e.seed("GoQ System (ごくシステム)", testKey)
	ctx := context.Background()
	// Give the shop a GoQ login so the delivery is due rather than waiting.
	if err := e.credentials.SetCredentials(ctx, &keyrelay.Credentials{Destination: "goq", BaseURL: "https://order.goqsystem.com/goq21/", LoginID: "fuji", Password: "pw-never-shown"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.deliveries.WakeWaitingLogin(ctx); err != nil {
		t.Fatal(err)
	}
	claimed, err := e.deliveries.ClaimDue(ctx, time.Now().Add(time.Minute), time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed) != 1 {
		t.Fatalf("claimed %d deliveries, want 1", len(claimed))
	}
	d := claimed[0]
	if _, err := e.deliveries.RecordAttempt(ctx, d.ID, &keyrelay.DeliveryAttempt{
		StartedAt: time.Now(), FinishedAt: time.Now(), Result: keyrelay.DeliveryNeedsAttention,
		Error: "GoQのログインに失敗しました。", ErrorEn: "GoQ refused the login.",
	}, time.Time{}); err != nil {
		t.Fatal(err)
	}

	cookie := e.login()
	detailPath := "/captures/" + strconv.FormatInt(c.ID, 10)
	detail := e.do("GET", detailPath, nil, withCookies(cookie))
	for _, want := range []string{"要対応", "GoQのログインに失敗しました。", `action="/deliveries/` + strconv.FormatInt(d.ID, 10) + `/retry"`} {
		if !strings.Contains(detail.body, want) {
			t.Errorf("detail lacks %q", want)
		}
	}
	home := e.do("GET", "/", nil, withCookies(cookie))
	if !strings.Contains(home.body, "要対応") {
		t.Error("home does not show 要対応")
	}

	wakes := e.wakes.Load()
	res := e.do("POST", "/deliveries/"+strconv.FormatInt(d.ID, 10)+"/retry", url.Values{"csrf": {e.csrf(cookie)}}, withCookies(cookie))
	if got, want := res.code, http.StatusSeeOther; got != want {
		t.Fatalf("retry: got %d, want %d: %s", got, want, res.body)
	}
	if got, want := res.header.Get("Location"), detailPath+"?retried=1"; got != want {
		t.Errorf("Location: got %q, want %q", got, want)
	}
	after, err := e.deliveries.FindDeliveryByID(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := after.Status, keyrelay.DeliveryPending; got != want {
		t.Errorf("status after retry: got %q, want %q", got, want)
	}
	if got, want := e.wakes.Load()-wakes, int64(1); got != want {
		t.Errorf("outbox wakes: got %d, want %d", got, want)
	}
	if strings.Contains(e.do("GET", detailPath, nil, withCookies(cookie)).body, "pw-never-shown") {
		t.Error("the GoQ password is shown")
	}
}

func TestGoQSettings(t *testing.T) {
	// The real GoQ client against the fake GoQSystem over TLS, served under
	// GoQ's own name (the shipped client sends nowhere else), as the demo does.
	fake := fakegoq.New(fakegoq.Options{})
	certs, err := tlsfake.New("order.goqsystem.com")
	if err != nil {
		t.Fatal(err)
	}
	goqTS := httptest.NewUnstartedServer(fake.Handler())
	goqTS.TLS = certs.Server
	goqTS.StartTLS()
	t.Cleanup(goqTS.Close)
	goqURL := "https://order.goqsystem.com/goq21/"
	e := newEnv(t, func(e *env) {
		e.srv.Destinations = map[string]keyrelay.Destination{"goq": goq.New(goq.WithTransport(certs.Client(goqTS.Listener.Addr().String()).Transport))}
	})
	e.seed("GoQ System (ごくシステム)", testKey)
	cookie := e.login()
	home := e.do("GET", "/", nil, withCookies(cookie))
	if !strings.Contains(home.body, "GoQログイン待ち") {
		t.Error("home does not say delivery waits for the GoQ login")
	}

	t.Run("invalid input", func(t *testing.T) {
		for name, form := range map[string]url.Values{
			"no password":  {"login_id": {"fuji"}, "base_url": {goqURL}},
			"no login":     {"password": {"pw"}, "base_url": {goqURL}},
			"http url":     {"login_id": {"fuji"}, "password": {"pw"}, "base_url": {"http://order.goqsystem.com/goq21/"}},
			"foreign host": {"login_id": {"fuji"}, "password": {"pw"}, "base_url": {"https://attacker.example/goq21/"}},
			"userinfo url": {"login_id": {"fuji"}, "password": {"pw"}, "base_url": {"https://id:pw@order.goqsystem.com/goq21/"}},
			"unknown shop": {"login_id": {"fuji"}, "password": {"pw"}, "base_url": {goqURL}, "shop_key": {"id:999"}},
		} {
			form.Set("csrf", e.csrf(cookie))
			res := e.do("POST", "/settings/goq", form, withCookies(cookie))
			if got, want := res.code, http.StatusBadRequest; got != want {
				t.Errorf("%s: got %d, want %d", name, got, want)
			}
			if !strings.Contains(res.body, `class="error"`) {
				t.Errorf("%s: no error shown", name)
			}
			if strings.Contains(res.body, `value="pw"`) {
				t.Errorf("%s: the password is sent back", name)
			}
		}
	})

	save := func(password string) {
		t.Helper()
		res := e.do("POST", "/settings/goq", url.Values{
			"csrf": {e.csrf(cookie)}, "shop_key": {"id:123456"}, "login_id": {fakegoq.DefaultLoginID},
			"password": {password}, "base_url": {goqURL},
		}, withCookies(cookie))
		if got, want := res.code, http.StatusSeeOther; got != want {
			t.Fatalf("save: got %d, want %d: %s", got, want, res.body)
		}
	}
	wakes := e.wakes.Load()
	save("wrong-password-1")
	if got, want := e.wakes.Load()-wakes, int64(1); got != want {
		t.Errorf("outbox wakes: got %d, want %d", got, want)
	}
	page := e.do("GET", "/settings", nil, withCookies(cookie))
	if !strings.Contains(page.body, fakegoq.DefaultLoginID) || !strings.Contains(page.body, "設定済み") {
		t.Error("settings page does not list the saved login")
	}
	if strings.Contains(page.body, "wrong-password-1") {
		t.Error("settings page shows the password")
	}
	if !strings.Contains(page.body, `type="password" name="password" value=""`) {
		t.Error("the password field is prefilled")
	}
	home = e.do("GET", "/", nil, withCookies(cookie))
	if strings.Contains(home.body, "GoQログイン待ち：") {
		t.Error("home still says waiting for GoQ login")
	}
	ds, err := e.deliveries.FindDeliveries(context.Background(), keyrelay.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Status == keyrelay.DeliveryWaitingLogin {
			t.Errorf("delivery %d still waits for login after saving one", d.ID)
		}
	}
	if e.auditKinds()[keyrelay.AuditSettingsSaved] != 1 {
		t.Error("saving settings was not audited")
	}

	creds, err := e.credentials.ListCredentials(context.Background(), "goq")
	if err != nil || len(creds) != 1 {
		t.Fatalf("credentials: %v, %v", creds, err)
	}
	testConn := func() response {
		t.Helper()
		return e.do("POST", fmt.Sprintf("/settings/goq/%d/test", creds[0].ID), url.Values{"csrf": {e.csrf(cookie)}}, withCookies(cookie))
	}
	t.Run("connection test with a wrong password", func(t *testing.T) {
		res := testConn()
		if res.code != http.StatusOK || strings.Contains(res.body, "接続テストに成功しました") || !strings.Contains(res.body, `role="alert"`) {
			t.Errorf("got %d: %s", res.code, res.body)
		}
		if strings.Contains(res.body, "wrong-password-1") {
			t.Error("test result page shows the password")
		}
	})
	t.Run("connection test", func(t *testing.T) {
		save(fakegoq.DefaultPassword) // replaces the login for the same shop
		res := testConn()
		if res.code != http.StatusOK || !strings.Contains(res.body, "接続テストに成功しました") {
			t.Errorf("got %d: %s", res.code, res.body)
		}
		if strings.Contains(res.body, fakegoq.DefaultPassword) {
			t.Error("test result page shows the password")
		}
	})
	t.Run("delete", func(t *testing.T) {
		// Unconfirmed: refused, nothing deleted.
		res := e.do("POST", fmt.Sprintf("/settings/goq/%d/delete", creds[0].ID), url.Values{"csrf": {e.csrf(cookie)}}, withCookies(cookie))
		if got, want := res.code, http.StatusBadRequest; got != want {
			t.Fatalf("unconfirmed delete: got %d, want %d", got, want)
		}
		if left, _ := e.credentials.ListCredentials(context.Background(), "goq"); len(left) != 1 {
			t.Fatalf("an unconfirmed delete deleted: %v", left)
		}
		if page := e.do("GET", "/settings", nil, withCookies(cookie)); !strings.Contains(page.body, `name="confirm"`) {
			t.Error("the delete form has no confirmation")
		}
		res = e.do("POST", fmt.Sprintf("/settings/goq/%d/delete", creds[0].ID), url.Values{"csrf": {e.csrf(cookie)}, "confirm": {"yes"}}, withCookies(cookie))
		if got, want := res.code, http.StatusSeeOther; got != want {
			t.Fatalf("got %d, want %d", got, want)
		}
		left, err := e.credentials.ListCredentials(context.Background(), "goq")
		if err != nil || len(left) != 0 {
			t.Errorf("after delete: %v, %v", left, err)
		}
	})
	if strings.Contains(e.logBuf.String(), fakegoq.DefaultPassword) || strings.Contains(e.logBuf.String(), "wrong-password-1") {
		t.Error("the log contains the GoQ password")
	}
}

func TestPairingsPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := &keyrelay.Pairing{ClientID: "c_test1", Name: "Chrome 131 / Linux", Origin: "chrome-extension://" + keyrelay.ExtensionID}
	if err := e.pairings.CreatePairing(ctx, p, "claim-token-0123456789abcdef"); err != nil {
		t.Fatal(err)
	}
	pending, err := e.pairings.FindPairings(ctx, keyrelay.PairingFilter{ClientID: "c_test1"})
	if err != nil || len(pending) != 1 {
		t.Fatalf("pairing: %v %v", pending, err)
	}
	code := pending[0].Code
	cookie := e.login()
	page := e.do("GET", "/pairings", nil, withCookies(cookie))
	if !strings.Contains(page.body, code) || !strings.Contains(page.body, "Chrome 131 / Linux") {
		t.Fatal("pairings page does not show the pending code")
	}
	t.Run("bad code", func(t *testing.T) {
		res := e.do("POST", "/pairings/approve", url.Values{"csrf": {e.csrf(cookie)}, "code": {"12ab"}}, withCookies(cookie))
		if got, want := res.code, http.StatusBadRequest; got != want {
			t.Errorf("got %d, want %d", got, want)
		}
	})
	res := e.do("POST", "/pairings/approve", url.Values{"csrf": {e.csrf(cookie)}, "code": {code}}, withCookies(cookie))
	if got, want := res.code, http.StatusSeeOther; got != want {
		t.Fatalf("approve: got %d, want %d: %s", got, want, res.body)
	}
	approved, err := e.pairings.FindPairings(ctx, keyrelay.PairingFilter{Status: keyrelay.PairingApproved})
	if err != nil || len(approved) != 1 {
		t.Fatalf("approved: %v %v", approved, err)
	}
	res = e.do("POST", fmt.Sprintf("/pairings/%d/revoke", approved[0].ID), url.Values{"csrf": {e.csrf(cookie)}}, withCookies(cookie))
	if got, want := res.code, http.StatusSeeOther; got != want {
		t.Fatalf("revoke: got %d, want %d", got, want)
	}
	left, err := e.pairings.FindPairings(ctx, keyrelay.PairingFilter{Status: keyrelay.PairingApproved})
	if err != nil || len(left) != 0 {
		t.Errorf("after revoke: %v %v", left, err)
	}
	audit := e.do("GET", "/audit", nil, withCookies(cookie))
	for _, kind := range []string{keyrelay.AuditPairApproved, keyrelay.AuditPairRevoked, keyrelay.AuditLogin} {
		if !strings.Contains(audit.body, kind) {
			t.Errorf("audit page lacks %s", kind)
		}
	}
}

func TestStatusBoardAndBanner(t *testing.T) {
	e := newEnv(t, func(e *env) {
		apps := sqlite.NewAppStatusService(e.db)
		e.srv.AppStatus = apps
		e.srv.Alerts = &reminder.Source{Apps: apps}
	})
	e.seed("GoQ System (ごくシステム)", testKey)
	e.seedWith("在庫らくらく", "SL123456_Es7tImAtEd9xYz3w", func(c *keyrelay.Capture) { c.Expiry = "-" })
	expiry := time.Now().In(keyrelay.JST).AddDate(0, 0, 2).Format("2006/01/02")
	err := e.srv.AppStatus.RecordAppListing(context.Background(), &keyrelay.AppListing{
		Shop:    keyrelay.ShopRef{ID: "123456", URL: "https://www.rakuten.co.jp/fuji/", Name: testShopName},
		PageURL: "https://webservice.rms.rakuten.co.jp/app-list",
		SeenAt:  time.Now(),
		Rows: []keyrelay.AppListRow{{
			Developer: "株式会社GoQSystem", AppName: "GoQ System (ごくシステム)", KeyLast4: keyrelay.KeyLast4(testKey),
			Expiry: expiry, State: "利用中 更新あり", UpdatePending: true,
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cookie := e.login()
	home := e.do("GET", "/", nil, withCookies(cookie))
	for _, want := range []string{
		"アプリの状態",
		expiry,
		"あと2日",
		"更新あり",
		"見込み",
		"末尾4桁: " + keyrelay.KeyLast4(testKey),
		"あと2日で有効期限", // the banner, from the reminder's alert
		"GoQログイン待ち", // no GoQ login yet
	} {
		if !strings.Contains(home.body, want) {
			t.Errorf("home lacks %q", want)
		}
	}
	status := e.do("GET", "/api/status", nil, withCookies(cookie))
	if status.code != http.StatusOK || !strings.Contains(status.body, `"kind":"expiring"`) || !strings.Contains(status.body, `"waiting_login":true`) {
		t.Errorf("api/status: %d %s", status.code, status.body)
	}
	if strings.Contains(status.body, testKey) {
		t.Error("api/status contains the key")
	}
}

// TestOwnAppKeyShownAsNotATarget: the shop's own app key is kept but never
// posted to GoQ; the list says so instead of 未送信, which reads as a failure.
func TestOwnAppKeyShownAsNotATarget(t *testing.T) {
	e := newEnv(t)
	e.seedWith("(アプリ名を登録してください)", "SL123456_OwnAppKey000A9FR", func(c *keyrelay.Capture) { c.Developer = "店舗様" })
	e.seed("GoQ System (ごくシステム)", "SL123456_GoQAppKey000IANT")
	res := e.do("GET", "/", nil, withCookies(e.login()))
	if got, want := strings.Count(res.body, "送信対象外"), 1; got != want {
		t.Fatalf("送信対象外 appears %d times, want %d (only the shop's own app)", got, want)
	}
	if !strings.Contains(res.body, "GoQログイン待ち") {
		t.Fatal("the GoQ app's delivery status is missing")
	}
}

// TestLoginNext: the tray's 承認 link lands on /pairings after login; a next
// that leads off the helper lands on / instead.
func TestLoginNext(t *testing.T) {
	e := newEnv(t)
	for next, want := range map[string]string{
		"/pairings":            `content="0;url=/pairings"`,
		"//evil.example/":      `content="0;url=/"`,
		"https://evil.example": `content="0;url=/"`,
		`/./\evil.example`:     `content="0;url=/"`,
		`/\evil.example`:       `content="0;url=/"`,
	} {
		token, err := e.sessions.CreateLoginToken(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		res := e.do("GET", "/login?token="+url.QueryEscape(token)+"&next="+url.QueryEscape(next), nil)
		if !strings.Contains(res.body, want) {
			t.Errorf("next=%q: page lacks %s", next, want)
		}
	}
}

// TestHostRefusalFloodBounded: a rebinding page hammering the port gets 403
// every time, but the audit log records a bounded number of refusals.
//
// The clock is the server's injected one, frozen: the bucket cannot refill
// between requests however slow the machine, so the count is exact.
func TestHostRefusalFloodBounded(t *testing.T) {
	now := time.Date(2026, 5, 26, 9, 0, 0, 0, time.UTC)
	e := newEnv(t, func(e *env) { e.srv.Now = func() time.Time { return now } })
	for range 300 {
		if res := e.do("GET", "/", nil, withHost("evil.example")); res.code != http.StatusForbidden {
			t.Fatalf("got %d, want 403", res.code)
		}
	}
	if n := e.auditKinds()[keyrelay.AuditHostRefused]; n != 100 {
		t.Fatalf("%d host_refused records for 300 refusals in one instant, want the burst of 100", n)
	}
}

func TestCSVCellDefusesFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1":          "'=1+1",
		"  =1+1":        "'  =1+1",
		"＝HYPERLINK(1)": "'＝HYPERLINK(1)",
		"＠SUM(A1)":      "'＠SUM(A1)",
		"　－1":           "'　－1",
		"GoQ System":    "GoQ System",
		"":              "",
		"-":             "",
		"-1":            "'-1",
	} {
		if got := web.CSVCell(in); got != want {
			t.Errorf("cell(%q) = %q, want %q", in, got, want)
		}
	}
}
