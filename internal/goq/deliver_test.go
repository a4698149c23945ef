//go:build demo

package goq_test

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/fakes/tlsfake"
	"keyrelay/internal/goq"
	"keyrelay/internal/keyrelay"
)

const newKey = "SL100001_NEWkeyQwErTy1234"

// tricky are stored values that a sloppy serialiser would change: entities,
// quotes, full-width spaces, CRLF, trailing white space, non-first options,
// a checkbox flipped each way.
var tricky = map[string]string{
	fakegoq.FieldShopURL:        "https://www.rakuten.co.jp/shop/?a=1&b=<2>&c=\"q\"",
	fakegoq.FieldUserID:         "担当　者 'x'",
	fakegoq.FieldPayGetStatus:   "300",
	fakegoq.FieldPayStoreStatus: "4",
	fakegoq.FieldGetDays:        "14",
	fakegoq.FieldAutoGet:        "120",
	fakegoq.FieldGetDelay:       "60",
	fakegoq.FieldMailNotify:     "",
	fakegoq.FieldPointSync:      "1",
	fakegoq.FieldMemo:           "一行目 &amp; <b>太字</b>\r\n\r\n  インデント\t\r\n最終行  ",
}

type env struct {
	fake   *fakegoq.Server
	ts     *httptest.Server
	client *goq.Client
	creds  *keyrelay.Credentials
	pool   *x509.CertPool
}

func start(t testing.TB, m fakegoq.Markup, opts ...goq.Option) *env {
	t.Helper()
	return startWrapped(t, m, nil, opts...)
}

// startWrapped serves the fake behind wrap, for pages the fake does not have.
func startWrapped(t testing.TB, m fakegoq.Markup, wrap func(http.Handler) http.Handler, opts ...goq.Option) *env {
	t.Helper()
	return startWith(t, fakegoq.Options{Markup: m}, wrap, opts...)
}

func startWith(t testing.TB, fo fakegoq.Options, wrap func(http.Handler) http.Handler, opts ...goq.Option) *env {
	t.Helper()
	fake := fakegoq.New(fo)
	var h http.Handler = fake.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	ts := httptest.NewUnstartedServer(h)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are what some tests want
	ts.StartTLS()
	t.Cleanup(ts.Close)
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	opts = append([]goq.Option{goq.WithRootCAs(pool), goq.WithGETRetries(2, 5*time.Millisecond)}, opts...)
	return &env{
		fake:   fake,
		ts:     ts,
		client: goq.New(opts...),
		pool:   pool,
		creds: &keyrelay.Credentials{Destination: "goq", BaseURL: ts.URL + "/goq21/",
			LoginID: fakegoq.DefaultLoginID, Password: fakegoq.DefaultPassword},
	}
}

func (e *env) deliver(t testing.TB) (keyrelay.DeliveryResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := e.client.Deliver(ctx, keyrelay.DeliveryRequest{Key: newKey, Creds: e.creds})
	checkNoSecrets(t, res, err, newKey, e.creds.Password)
	return res, err
}

// checkNoSecrets fails if the key or the password shows anywhere an operator
// or a log could see it.
func checkNoSecrets(t testing.TB, res keyrelay.DeliveryResult, err error, secrets ...string) {
	t.Helper()
	texts := []string{res.Detail}
	if err != nil {
		ja, en := keyrelay.ErrorMessage(err)
		texts = append(texts, err.Error(), ja, en)
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, text := range texts {
			if strings.Contains(text, s) {
				t.Errorf("a secret appears in %q", text)
			}
		}
	}
}

// checkOnlyKey fails unless every stored field but the key equals before,
// and the key is wantKey.
func checkOnlyKey(t testing.TB, before, after map[string]string, wantKey string) {
	t.Helper()
	if got, want := slices.Sorted(maps.Keys(after)), slices.Sorted(maps.Keys(before)); !slices.Equal(got, want) {
		t.Fatalf("stored fields %v, want %v", got, want)
	}
	for k, v := range before {
		want := v
		if k == fakegoq.FieldLicenseKey {
			want = wantKey
		}
		if got := after[k]; got != want {
			t.Errorf("stored %s = %q, want %q", k, got, want)
		}
	}
}

func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := keyrelay.ErrorCode(err); got != code {
		t.Fatalf("error code %q (%v), want %q", got, err, code)
	}
	var kerr *keyrelay.Error
	if !errors.As(err, &kerr) || kerr.Message == "" || kerr.MessageEn == "" {
		t.Fatalf("error %v lacks Japanese and English messages", err)
	}
}

func wantCounts(t testing.TB, f *fakegoq.Server, posts, logins int) {
	t.Helper()
	if got := f.PostCount(); got != posts {
		t.Errorf("PostCount = %d, want %d", got, posts)
	}
	if got := f.LoginCount(); got != logins {
		t.Errorf("LoginCount = %d, want %d", got, logins)
	}
}

func TestDeliverHappyPath(t *testing.T) {
	for _, m := range fakegoq.Markups {
		t.Run(m.String(), func(t *testing.T) {
			for name, settings := range map[string]map[string]string{"defaults": nil, "tricky": tricky} {
				t.Run(name, func(t *testing.T) {
					e := start(t, m)
					if err := e.fake.SetSettings(settings); err != nil {
						t.Fatal(err)
					}
					before := e.fake.Settings()
					res, err := e.deliver(t)
					if err != nil {
						t.Fatal(err)
					}
					if got, want := res.Status, keyrelay.DeliveryDelivered; got != want {
						t.Errorf("status %q, want %q", got, want)
					}
					if got, want := res.Changes, []string{goq.KeyLabel}; !slices.Equal(got, want) {
						t.Errorf("changes %q, want %q", got, want)
					}
					checkOnlyKey(t, before, e.fake.Settings(), newKey)
					if got, want := e.fake.LastChanged(), []string{fakegoq.FieldLicenseKey}; !slices.Equal(got, want) {
						t.Errorf("fake saw changes to %q, want %q", got, want)
					}
					wantCounts(t, e.fake, 1, 1)
				})
			}
		})
	}
}

func TestDeliverAlreadyCurrent(t *testing.T) {
	for _, m := range fakegoq.Markups {
		t.Run(m.String(), func(t *testing.T) {
			e := start(t, m)
			e.fake.SetSettings(map[string]string{fakegoq.FieldLicenseKey: newKey})
			res, err := e.deliver(t)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := res.Status, keyrelay.DeliveryAlreadyCurrent; got != want {
				t.Errorf("status %q, want %q", got, want)
			}
			if len(res.Changes) != 0 {
				t.Errorf("changes %q, want none", res.Changes)
			}
			wantCounts(t, e.fake, 0, 1)
		})
	}
}

func TestDeliverTwiceRetryIsAlreadyCurrent(t *testing.T) {
	e := start(t, fakegoq.MarkupTable)
	if _, err := e.deliver(t); err != nil {
		t.Fatal(err)
	}
	res, err := e.deliver(t)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Status, keyrelay.DeliveryAlreadyCurrent; got != want {
		t.Errorf("second delivery status %q, want %q", got, want)
	}
	wantCounts(t, e.fake, 1, 2)
}

// TestDeliverFaults injects each failure the fake knows, on every markup, and
// checks the outcome, the post count and that nothing but the key changed.
func TestDeliverFaults(t *testing.T) {
	type outcome struct {
		code          string // "" means delivered
		posts, logins int
		keyStored     bool
	}
	cases := []struct {
		name   string
		opts   []goq.Option
		arm    func(*fakegoq.Server)
		want   outcome
		thenOK bool // after disarming, a second Deliver delivers with one more post
	}{
		{name: "500s within the GET retries", arm: func(f *fakegoq.Server) { f.FailNext(2) },
			want: outcome{posts: 1, logins: 1, keyStored: true}},
		{name: "500s beyond the retries", arm: func(f *fakegoq.Server) { f.FailNext(1000) },
			want: outcome{code: keyrelay.EUNAVAILABLE}, thenOK: true},
		{name: "slow but in time", arm: func(f *fakegoq.Server) { f.SetDelay(20 * time.Millisecond) },
			want: outcome{posts: 1, logins: 1, keyStored: true}},
		{name: "slower than the request timeout", opts: []goq.Option{goq.WithRequestTimeout(60 * time.Millisecond), goq.WithGETRetries(0, 0)},
			arm:  func(f *fakegoq.Server) { f.SetDelay(300 * time.Millisecond) },
			want: outcome{code: keyrelay.EUNAVAILABLE}, thenOK: true},
		{name: "session expires at the settings page", arm: func(f *fakegoq.Server) { f.ExpireSession(fakegoq.ExpireAtSettingsGet) },
			want: outcome{posts: 1, logins: 2, keyStored: true}},
		{name: "session expires at the save", arm: func(f *fakegoq.Server) { f.ExpireSession(fakegoq.ExpireAtSave) },
			want: outcome{posts: 1, logins: 2, keyStored: true}},
		{name: "session expires after the save", arm: func(f *fakegoq.Server) { f.ExpireSession(fakegoq.ExpireAfterSave) },
			want: outcome{posts: 1, logins: 2, keyStored: true}},
		{name: "csrf token rotates on every page", arm: func(f *fakegoq.Server) { f.SetRotateCSRF(true) },
			want: outcome{posts: 1, logins: 1, keyStored: true}},
		{name: "csrf token goes stale before the save", arm: func(f *fakegoq.Server) { f.StaleTokenOnNextSave() },
			want: outcome{posts: 1, logins: 1, keyStored: true}},
		{name: "maintenance", arm: func(f *fakegoq.Server) { f.SetMaintenance(true) },
			want: outcome{code: keyrelay.EUNAVAILABLE}, thenOK: true},
		{name: "save silently ignored", arm: func(f *fakegoq.Server) { f.SetIgnoreSaves(true) },
			want: outcome{code: keyrelay.ECONFLICT, posts: 1, logins: 1}, thenOK: true},
	}
	for _, m := range fakegoq.Markups {
		for _, tc := range cases {
			t.Run(m.String()+"/"+tc.name, func(t *testing.T) {
				e := start(t, m, tc.opts...)
				e.fake.SetSettings(tricky)
				before := e.fake.Settings()
				tc.arm(e.fake)
				res, err := e.deliver(t)
				if tc.want.code == "" {
					if err != nil {
						t.Fatalf("Deliver: %v", err)
					}
					if got, want := res.Status, keyrelay.DeliveryDelivered; got != want {
						t.Errorf("status %q, want %q", got, want)
					}
				} else {
					wantCode(t, err, tc.want.code)
				}
				wantCounts(t, e.fake, tc.want.posts, tc.want.logins)
				wantKey := before[fakegoq.FieldLicenseKey]
				if tc.want.keyStored {
					wantKey = newKey
				}
				checkOnlyKey(t, before, e.fake.Settings(), wantKey)

				if !tc.thenOK {
					return
				}
				e.fake.FailNext(0)
				e.fake.SetDelay(0)
				e.fake.SetMaintenance(false)
				e.fake.SetIgnoreSaves(false)
				e.client = goq.New(goq.WithRootCAs(e.pool))
				if _, err := e.deliver(t); err != nil {
					t.Fatalf("Deliver after the fault cleared: %v", err)
				}
				if got, want := e.fake.PostCount(), tc.want.posts+1; got != want {
					t.Errorf("PostCount after the retry = %d, want %d", got, want)
				}
				checkOnlyKey(t, before, e.fake.Settings(), newKey)
			})
		}
	}
}

// GoQ answers nothing for an hour; Deliver must give up when its context
// ends. No clock decides the verdict: a Deliver that ignored its context
// would wait out the hour and the test binary's timeout would fail it.
func TestDeliverStopsAtContextDeadline(t *testing.T) {
	e := start(t, fakegoq.MarkupTable)
	e.fake.SetDelay(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := e.client.Deliver(ctx, keyrelay.DeliveryRequest{Key: newKey, Creds: e.creds})
	wantCode(t, err, keyrelay.EUNAVAILABLE)
	wantCounts(t, e.fake, 0, 0)
}

func TestMaintenanceMessage(t *testing.T) {
	e := start(t, fakegoq.MarkupTable)
	e.fake.SetMaintenance(true)
	_, err := e.deliver(t)
	ja, en := keyrelay.ErrorMessage(err)
	if !strings.Contains(ja, "メンテナンス") || !strings.Contains(en, "maintenance") {
		t.Errorf("messages %q / %q do not say maintenance", ja, en)
	}
}

func TestLoginRefused(t *testing.T) {
	e := start(t, fakegoq.MarkupLabels)
	e.creds.Password = "wrong-password-123"
	_, err := e.deliver(t)
	wantCode(t, err, keyrelay.EUNAUTHORIZED)
	wantCounts(t, e.fake, 0, 0)
	if err := e.client.TestConnection(context.Background(), e.creds); keyrelay.ErrorCode(err) != keyrelay.EUNAUTHORIZED {
		t.Errorf("TestConnection with a wrong password: %v, want %s", err, keyrelay.EUNAUTHORIZED)
	}
}

func TestNoCredentials(t *testing.T) {
	e := start(t, fakegoq.MarkupTable)
	e.creds.Password = ""
	_, err := e.deliver(t)
	wantCode(t, err, keyrelay.EUNAUTHORIZED)
}

// TestShortcutAndRoute: a configured path that does not open the settings
// page is only a shortcut that failed: the client follows the seed's route
// by link text and delivers. When the route does not get there either, the
// error names the label.
func TestShortcutAndRoute(t *testing.T) {
	for name, path := range map[string]string{
		"menu page":          "setting/mall",
		"next step page":     "setting/mall/rakuten/next",
		"settings page gone": "setting/mall/rakuten/webapi2",
	} {
		t.Run(name, func(t *testing.T) {
			e := start(t, fakegoq.MarkupTable, goq.WithPaths(goq.DefaultLoginPath, path))
			before := e.fake.Settings()
			if _, err := e.deliver(t); err != nil {
				t.Fatalf("Deliver: %v", err)
			}
			wantCounts(t, e.fake, 1, 1)
			checkOnlyKey(t, before, e.fake.Settings(), newKey)
		})
	}
	t.Run("route broken too", func(t *testing.T) {
		noLink := func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				rec := httptest.NewRecorder()
				next.ServeHTTP(rec, r)
				for k, v := range rec.Header() {
					if k != "Content-Length" {
						w.Header()[k] = v
					}
				}
				w.WriteHeader(rec.Code)
				io.WriteString(w, strings.ReplaceAll(rec.Body.String(), ">WEBAPI設定</a>", ">API連携</a>"))
			})
		}
		e := startWrapped(t, fakegoq.MarkupTable, noLink, goq.WithPaths(goq.DefaultLoginPath, "setting/mall"))
		_, err := e.deliver(t)
		wantCode(t, err, keyrelay.EINVALID)
		if _, en := keyrelay.ErrorMessage(err); !strings.Contains(en, goq.KeyLabel) {
			t.Errorf("message %q does not name the label", en)
		}
		wantCounts(t, e.fake, 0, 1)
	})
}

func TestLabelNotFound(t *testing.T) {
	t.Run("no login form", func(t *testing.T) {
		notice := func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/goq21/notice" {
					w.Write([]byte(`<!DOCTYPE html><html><body><h1>お知らせ</h1><form action="/goq21/search"><input name="q"></form></body></html>`))
					return
				}
				next.ServeHTTP(w, r)
			})
		}
		e := startWrapped(t, fakegoq.MarkupTable, notice, goq.WithPaths("notice", goq.DefaultSettingsPath))
		_, err := e.deliver(t)
		wantCode(t, err, keyrelay.EINVALID)
		wantCounts(t, e.fake, 0, 0)
	})
}

func TestDryRunPostsNothing(t *testing.T) {
	for _, m := range fakegoq.Markups {
		t.Run(m.String(), func(t *testing.T) {
			e := start(t, m)
			before := e.fake.Settings()
			res, err := e.client.DryRun(context.Background(), keyrelay.DeliveryRequest{Key: newKey, Creds: e.creds})
			checkNoSecrets(t, res, err, newKey, e.creds.Password)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := res.Changes, []string{goq.KeyLabel}; !slices.Equal(got, want) {
				t.Errorf("changes %q, want %q", got, want)
			}
			if got, want := res.Status, keyrelay.DeliveryPending; got != want {
				t.Errorf("status %q, want %q", got, want)
			}
			wantCounts(t, e.fake, 0, 1)
			checkOnlyKey(t, before, e.fake.Settings(), before[fakegoq.FieldLicenseKey])

			e.fake.SetSettings(map[string]string{fakegoq.FieldLicenseKey: newKey})
			res, err = e.client.DryRun(context.Background(), keyrelay.DeliveryRequest{Key: newKey, Creds: e.creds})
			if err != nil || len(res.Changes) != 0 || res.Status != keyrelay.DeliveryAlreadyCurrent {
				t.Errorf("dry run when current: %+v, %v; want already current, no changes", res, err)
			}
		})
	}
}

func TestTestConnection(t *testing.T) {
	e := start(t, fakegoq.MarkupPlain)
	if err := e.client.TestConnection(context.Background(), e.creds); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, e.fake, 0, 1)
}

func TestRefusesUnverifiedCertificate(t *testing.T) {
	e := start(t, fakegoq.MarkupTable)
	e.client = goq.New() // system roots only: the test CA is unknown
	_, err := e.deliver(t)
	wantCode(t, err, keyrelay.EUNAVAILABLE)
	if _, en := keyrelay.ErrorMessage(err); !strings.Contains(en, "certificate") {
		t.Errorf("message %q does not name the certificate", en)
	}
	wantCounts(t, e.fake, 0, 0)
}

// TestDefaultBaseURL delivers to https://order.goqsystem.com/goq21/ (the
// default) with a transport that dials the fake, as the demo does.
func TestDefaultBaseURL(t *testing.T) {
	certs, err := tlsfake.New("order.goqsystem.com")
	if err != nil {
		t.Fatal(err)
	}
	fake := fakegoq.New(fakegoq.Options{Markup: fakegoq.MarkupLabels})
	ts := httptest.NewUnstartedServer(fake.Handler())
	ts.TLS = certs.Server
	ts.StartTLS()
	defer ts.Close()
	c := goq.New(goq.WithTransport(certs.Client(ts.Listener.Addr().String()).Transport))
	creds := &keyrelay.Credentials{LoginID: fakegoq.DefaultLoginID, Password: fakegoq.DefaultPassword}
	res, err := c.Deliver(context.Background(), keyrelay.DeliveryRequest{Key: newKey, Creds: creds})
	if err != nil || res.Status != keyrelay.DeliveryDelivered {
		t.Fatalf("%+v, %v", res, err)
	}
	if got, want := fake.Settings()[fakegoq.FieldLicenseKey], newKey; got != want {
		t.Errorf("stored key %q, want %q", got, want)
	}
}

func TestPlainHTTPOnlyOnLoopbackWhenAllowed(t *testing.T) {
	fake := fakegoq.New(fakegoq.Options{})
	ts := httptest.NewServer(fake.Handler())
	defer ts.Close()
	creds := &keyrelay.Credentials{BaseURL: ts.URL + "/goq21/", LoginID: fakegoq.DefaultLoginID, Password: fakegoq.DefaultPassword}
	req := keyrelay.DeliveryRequest{Key: newKey, Creds: creds}

	_, err := goq.New().Deliver(context.Background(), req)
	wantCode(t, err, keyrelay.EINVALID)
	if got := fake.LoginCount(); got != 0 {
		t.Errorf("logged in %d times over refused http", got)
	}

	creds.BaseURL = "http://goq.example.com/goq21/"
	_, err = goq.New(goq.WithLoopbackHTTP()).Deliver(context.Background(), req)
	wantCode(t, err, keyrelay.EINVALID)

	creds.BaseURL = ts.URL + "/goq21/"
	res, err := goq.New(goq.WithLoopbackHTTP()).Deliver(context.Background(), req)
	if err != nil || res.Status != keyrelay.DeliveryDelivered {
		t.Fatalf("loopback http: %+v, %v", res, err)
	}
}

// TestRedirectOffHostRefused: a redirect to another site is not followed, so
// neither the session nor the key can be led away.
func TestRedirectOffHostRefused(t *testing.T) {
	fake := fakegoq.New(fakegoq.Options{})
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == fakegoq.SettingsPath && r.Method == http.MethodGet {
			http.Redirect(w, r, "https://evil.example/steal", http.StatusFound)
			return
		}
		fake.Handler().ServeHTTP(w, r)
	}))
	defer ts.Close()
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	creds := &keyrelay.Credentials{BaseURL: ts.URL + "/goq21/", LoginID: fakegoq.DefaultLoginID, Password: fakegoq.DefaultPassword}
	_, err := goq.New(goq.WithRootCAs(pool)).Deliver(context.Background(), keyrelay.DeliveryRequest{Key: newKey, Creds: creds})
	wantCode(t, err, keyrelay.EINVALID)
	if got := fake.PostCount(); got != 0 {
		t.Errorf("PostCount = %d, want 0", got)
	}
}

func TestUserAgentNamesKeyrelay(t *testing.T) {
	fake := fakegoq.New(fakegoq.Options{})
	var agents []string
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		agents = append(agents, r.UserAgent())
		fake.Handler().ServeHTTP(w, r)
	}))
	defer ts.Close()
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	creds := &keyrelay.Credentials{BaseURL: ts.URL + "/goq21/", LoginID: fakegoq.DefaultLoginID, Password: fakegoq.DefaultPassword}
	if err := goq.New(goq.WithRootCAs(pool)).TestConnection(context.Background(), creds); err != nil {
		t.Fatal(err)
	}
	want := "keyrelay/" + keyrelay.Version + " (+GoQ key relay)"
	for _, got := range agents {
		if got != want {
			t.Errorf("User-Agent %q, want %q", got, want)
		}
	}
}

func TestInvalidKeyNotPosted(t *testing.T) {
	e := start(t, fakegoq.MarkupTable)
	_, err := e.client.Deliver(context.Background(), keyrelay.DeliveryRequest{Key: "SL100001_XXXXXXXXXXXXXXXX", Creds: e.creds})
	wantCode(t, err, keyrelay.EINVALID)
	wantCounts(t, e.fake, 0, 0)
}

func BenchmarkDeliver(b *testing.B) {
	e := start(b, fakegoq.MarkupTable)
	keys := []string{newKey, "SL100001_NEWkeyAsDfGh567890"[:25]}
	ctx := context.Background()
	i := 0
	for b.Loop() {
		res, err := e.client.Deliver(ctx, keyrelay.DeliveryRequest{Key: keys[i%2], Creds: e.creds})
		if err != nil || res.Status != keyrelay.DeliveryDelivered {
			b.Fatalf("%+v, %v", res, err)
		}
		i++
	}
}

// rewriteSettings serves the fake with the settings page passed through edit.
func rewriteSettings(edit func(string) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || r.URL.Path != fakegoq.SettingsPath {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				if k != "Content-Length" {
					w.Header()[k] = v
				}
			}
			w.WriteHeader(rec.Code)
			io.WriteString(w, edit(rec.Body.String()))
		})
	}
}

// TestDeliverFormAttribute: controls tied to the settings form by form= from
// outside it are posted (the fake refuses a save without lock_version,
// mall_code and the save button), and a control inside it tied to another
// form is not (the fake refuses unknown fields).
func TestDeliverFormAttribute(t *testing.T) {
	e := startWrapped(t, fakegoq.MarkupTable, rewriteSettings(func(page string) string {
		const end = "</form>\n</main>"
		i, j := strings.Index(page, `<input type="hidden" name="lock_version"`), strings.Index(page, end)
		if i < 0 || j < i {
			t.Errorf("settings page layout changed; cannot rewrite it")
			return page
		}
		outside := strings.ReplaceAll(page[i:j], "<input ", `<input form="MallSettingForm" `)
		inside := `<input type="text" name="setting[search_extra]" value="x" form="globalSearch">` +
			`<input type="hidden" name="setting[orphan]" value="y" form="noSuchForm">`
		return page[:i] + inside + "</form>\n" + outside + page[j+len("</form>"):]
	}))
	e.fake.SetSettings(tricky)
	before := e.fake.Settings()
	if _, err := e.deliver(t); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	wantCounts(t, e.fake, 1, 1)
	checkOnlyKey(t, before, e.fake.Settings(), newKey)
}

// TestDeliverRejected: GoQ answers the save with a validation message: the
// delivery fails with EREJECTED quoting it verbatim, after exactly one POST
// and without reading the page again.
func TestDeliverRejected(t *testing.T) {
	for _, m := range fakegoq.Markups {
		t.Run(m.String(), func(t *testing.T) {
			e := start(t, m)
			const msg = "RMS Service Square ライセンスキーの有効期限が切れています。RMSで再発行してください。"
			e.fake.SetReject(msg)
			before := e.fake.Settings()
			_, err := e.deliver(t)
			wantCode(t, err, keyrelay.EREJECTED)
			var kerr *keyrelay.Error
			if !errors.As(err, &kerr) || kerr.Quote != msg {
				t.Errorf("quote %q, want %q", kerr.Quote, msg)
			}
			wantCounts(t, e.fake, 1, 1)
			if !maps.Equal(before, e.fake.Settings()) {
				t.Errorf("settings changed by a rejected save")
			}
		})
	}
}

// TestCredentialsSettingsPath: the login's own settings path is the
// shortcut tried first; the default path is then never opened.
func TestCredentialsSettingsPath(t *testing.T) {
	var mu sync.Mutex
	gets := map[string]int{}
	custom := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet {
				mu.Lock()
				gets[r.URL.Path]++
				mu.Unlock()
			}
			if r.URL.Path == "/goq21/custom/api-settings" {
				r2 := r.Clone(r.Context())
				r2.URL.Path = fakegoq.SettingsPath
				next.ServeHTTP(w, r2)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	e := startWrapped(t, fakegoq.MarkupTable, custom)
	e.creds.SettingsPath = "/custom/api-settings"
	before := e.fake.Settings()
	if _, err := e.deliver(t); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	checkOnlyKey(t, before, e.fake.Settings(), newKey)
	mu.Lock()
	defer mu.Unlock()
	if gets["/goq21/custom/api-settings"] < 2 || gets[fakegoq.SettingsPath] != 0 {
		t.Errorf("GETs %v: want the custom path (read and verify), never the default", gets)
	}
}

// TestRouteToAMovedPage: GoQ moved WEBAPI設定 (the old path is gone and the
// menu links to the new one): the route by link text finds it, with no
// change to the configuration.
func TestRouteToAMovedPage(t *testing.T) {
	const moved = "/goq21/v2/mall/rakuten/api-settings"
	move := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.Method == http.MethodGet && r.URL.Path == fakegoq.SettingsPath:
				http.NotFound(w, r)
				return
			case r.URL.Path == moved:
				r2 := r.Clone(r.Context())
				r2.URL.Path = fakegoq.SettingsPath
				r = r2
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				if k != "Content-Length" {
					w.Header()[k] = v
				}
			}
			w.WriteHeader(rec.Code)
			io.WriteString(w, strings.ReplaceAll(rec.Body.String(), `href="`+fakegoq.SettingsPath+`"`, `href="`+moved+`"`))
		})
	}
	e := startWrapped(t, fakegoq.MarkupTable, move)
	before := e.fake.Settings()
	if _, err := e.deliver(t); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	wantCounts(t, e.fake, 1, 1)
	checkOnlyKey(t, before, e.fake.Settings(), newKey)
}

// TestDeliverRejectedInPlainMarkup: GoQ answers the save with the form again
// and a message in markup with no error class; the key is not stored. The
// new text is quoted as GoQ's refusal (EREJECTED), not reported as a save
// that was ignored.
func TestDeliverRejectedInPlainMarkup(t *testing.T) {
	const msg = "入力されたライセンスキーは、このショップでは使用できません。"
	refuse := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost || r.URL.Path != fakegoq.SettingsPath {
				next.ServeHTTP(w, r)
				return
			}
			// Not passed on: nothing is stored. Answer with the form again.
			get := r.Clone(r.Context())
			get.Method, get.Body, get.ContentLength = http.MethodGet, http.NoBody, 0
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, get)
			w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
			io.WriteString(w, strings.Replace(rec.Body.String(), "<h2>WEBAPI設定</h2>",
				"<h2>WEBAPI設定</h2>\n<p class=\"msg\">"+msg+"</p>", 1))
		})
	}
	e := startWrapped(t, fakegoq.MarkupTable, refuse)
	before := e.fake.Settings()
	_, err := e.deliver(t)
	wantCode(t, err, keyrelay.EREJECTED)
	var kerr *keyrelay.Error
	if !errors.As(err, &kerr) || kerr.Quote != msg {
		t.Errorf("error %v, want EREJECTED quoting %q", err, msg)
	}
	if !maps.Equal(before, e.fake.Settings()) {
		t.Errorf("settings changed")
	}
}

// TestNoticeOnTheNextPageIsNotARefusal: the page after a successful save
// carries a role=alert notice; the key was stored, so the delivery is
// verified, not rejected.
func TestNoticeOnTheNextPageIsNotARefusal(t *testing.T) {
	notice := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != fakegoq.NextPath {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
			io.WriteString(w, strings.Replace(rec.Body.String(), "<main>",
				`<main><div class="alert alert-danger" role="alert">12/1 2:00〜4:00 メンテナンスを行います</div>`, 1))
		})
	}
	e := startWrapped(t, fakegoq.MarkupTable, notice)
	if _, err := e.deliver(t); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	wantCounts(t, e.fake, 1, 1)
}
