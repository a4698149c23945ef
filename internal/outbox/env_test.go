//go:build demo

package outbox_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/keyrelay"
	"keyrelay/internal/outbox"
	"keyrelay/internal/secret"
	"keyrelay/internal/sqlite"
)

// clock is a controlled clock shared by the store and the worker.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 5, 26, 1, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer collects log output from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// sink records what the worker pushes, as the WebSocket hub would receive it.
type sink struct {
	mu     sync.Mutex
	events []keyrelay.DeliveryEvent
	alerts int
	final  chan keyrelay.DeliveryEvent
}

func newSink() *sink { return &sink{final: make(chan keyrelay.DeliveryEvent, 4096)} }

func (s *sink) DeliveryChanged(ev keyrelay.DeliveryEvent) {
	s.mu.Lock()
	s.events = append(s.events, ev)
	s.mu.Unlock()
	if keyrelay.DeliveryFinal(ev.Status) || ev.Status == keyrelay.DeliveryWaitingLogin {
		select {
		case s.final <- ev:
		default:
		}
	}
}

func (s *sink) AlertsChanged() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.alerts++
}

func (s *sink) statuses(uuid string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, ev := range s.events {
		if ev.CaptureUUID == uuid {
			out = append(out, ev.Status)
		}
	}
	return out
}

// shop is one Rakuten shop with its own fake GoQ account.
type shop struct {
	ref   keyrelay.ShopRef
	goq   *fakegoq.Server
	url   string
	login string
	pass  string
	// served is the time the fake spent answering, in nanoseconds, so a
	// benchmark can tell the helper's share from GoQ's.
	served *atomic.Int64
}

// env is a real store in t.TempDir(), fake GoQ servers on loopback and a
// worker wired to both.
type env struct {
	t      testing.TB
	dir    string
	clock  *clock
	db     *sqlite.DB
	sealer keyrelay.Sealer

	deliveries *sqlite.DeliveryService
	captures   *sqlite.CaptureService
	shops      *sqlite.ShopService
	creds      *sqlite.CredentialService

	dest   keyrelay.Destination
	logs   *syncBuffer
	events *sink
	// secrets are every key and password the test used; none may be logged.
	secretsMu sync.Mutex
	secrets   []string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	t.Setenv("KEYRELAY_KEYRING", "file")
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
	e := &env{t: t, dir: dir, clock: newClock(), db: db, sealer: sealer, logs: &syncBuffer{}, events: newSink()}
	db.Now = e.clock.Now
	e.deliveries = sqlite.NewDeliveryService(db)
	e.captures = sqlite.NewCaptureService(db)
	e.shops = sqlite.NewShopService(db)
	e.creds = sqlite.NewCredentialService(db)
	e.dest = newDestination(t)
	t.Cleanup(func() {
		logs := e.logs.String()
		e.secretsMu.Lock()
		defer e.secretsMu.Unlock()
		for _, s := range e.secrets {
			if strings.Contains(logs, s) {
				t.Errorf("a secret (…%s) appears in the log", keyrelay.KeyLast4(s))
			}
		}
	})
	return e
}

func (e *env) remember(s string) {
	e.secretsMu.Lock()
	defer e.secretsMu.Unlock()
	e.secrets = append(e.secrets, s)
}

// worker returns a worker on e's store with fast, deterministic tunables.
func (e *env) worker() *outbox.Worker {
	return &outbox.Worker{
		Deliveries:   e.deliveries,
		Captures:     e.captures,
		Shops:        e.shops,
		Credentials:  e.creds,
		Destinations: map[string]keyrelay.Destination{e.dest.Name(): e.dest},
		Events:       e.events,
		Logger:       slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:          e.clock.Now,
		Lease:        20 * time.Second,
		BaseBackoff:  10 * time.Second,
		MaxBackoff:   2 * time.Minute,
		PollInterval: 20 * time.Millisecond,
		Rand:         pcg(1),
	}
}

// newShop starts a fake GoQ for a shop numbered n. Credentials are not set.
func (e *env) newShop(n int, opts fakegoq.Options) *shop {
	e.t.Helper()
	if opts.Password == "" {
		opts.Password = fmt.Sprintf("pw-%d-%s", n, randomAlnum(12))
	}
	if opts.LoginID == "" {
		opts.LoginID = fmt.Sprintf("shop%d", n)
	}
	e.remember(opts.Password)
	fake := fakegoq.New(opts)
	served := new(atomic.Int64)
	h := fake.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h.ServeHTTP(w, r)
		served.Add(int64(time.Since(start)))
	}))
	e.t.Cleanup(srv.Close)
	return &shop{
		ref:    keyrelay.ShopRef{ID: fmt.Sprintf("%06d", 100000+n), Name: fmt.Sprintf("テスト店舗%d", n)},
		goq:    fake,
		url:    fakeGoQURL(srv),
		login:  opts.LoginID,
		pass:   opts.Password,
		served: served,
	}
}

func (e *env) setLogin(s *shop) {
	e.t.Helper()
	err := e.creds.SetCredentials(context.Background(), &keyrelay.Credentials{
		ShopKey: s.ref.Key(), Destination: e.dest.Name(), BaseURL: s.url,
		LoginID: s.login, Password: s.pass,
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// capture commits a new capture of app for s through the real store, as the
// WebSocket handler does, and returns it with its key.
func (e *env) capture(s *shop, app string) (*keyrelay.Capture, string) {
	e.t.Helper()
	c, key, err := e.tryCapture(s, app)
	if err != nil {
		e.t.Fatal(err)
	}
	return c, key
}

// tryCapture is capture for goroutines other than the test's own, where
// t.Fatal cannot stop the test.
func (e *env) tryCapture(s *shop, app string) (*keyrelay.Capture, string, error) {
	key := e.key(s)
	e.remember(key)
	c, created, err := e.captures.CreateCapture(context.Background(), &keyrelay.Capture{
		UUID: newUUID(), Shop: s.ref, AppName: app, Developer: "株式会社GoQ System",
		State: "利用中", Expiry: "-", Key: key,
	})
	if err != nil {
		return nil, "", err
	}
	if !created {
		return nil, "", fmt.Errorf("capture of %s not created", app)
	}
	return c, key, nil
}

// delivery returns the only delivery of capture c.
func (e *env) delivery(c *keyrelay.Capture) *keyrelay.Delivery {
	e.t.Helper()
	ds, err := e.deliveries.FindDeliveries(context.Background(), keyrelay.DeliveryFilter{CaptureID: c.ID})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(ds) != 1 {
		e.t.Fatalf("capture %d has %d deliveries, want 1", c.ID, len(ds))
	}
	return ds[0]
}

// waitStatus polls until capture c's delivery has status want.
func (e *env) waitStatus(c *keyrelay.Capture, want string, timeout time.Duration) *keyrelay.Delivery {
	e.t.Helper()
	return e.waitDelivery(c, timeout, func(d *keyrelay.Delivery) bool { return d.Status == want },
		func(d *keyrelay.Delivery) string {
			return fmt.Sprintf("status %s (last error %q), want %s", d.Status, d.LastErrorEn, want)
		})
}

// waitDelivery polls capture c's delivery until done holds, and returns it;
// at the timeout the test fails with why's account of the delivery.
func (e *env) waitDelivery(c *keyrelay.Capture, timeout time.Duration, done func(*keyrelay.Delivery) bool, why func(*keyrelay.Delivery) string) *keyrelay.Delivery {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		d := e.delivery(c)
		if done(d) {
			return d
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("delivery %d: %s", d.ID, why(d))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (e *env) attempts(d *keyrelay.Delivery) []*keyrelay.DeliveryAttempt {
	e.t.Helper()
	as, err := e.deliveries.FindAttempts(context.Background(), d.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return as
}

func results(as []*keyrelay.DeliveryAttempt) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Result
	}
	return out
}

// runWorker runs w.Run until the test ends (or stop is called) and fails the
// test if Run does not return promptly.
func runWorker(t testing.TB, w *outbox.Worker) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Errorf("Run did not return within 10 s of cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func once(t testing.TB, w *outbox.Worker) int {
	t.Helper()
	n, err := w.Once(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func pcg(seed uint64) mrand.Source { return mrand.NewPCG(seed, seed) }

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomAlnum(n int) string { return alnumFrom(rand.Reader, n) }

func alnumFrom(rnd io.Reader, n int) string {
	b := make([]byte, n)
	if _, err := io.ReadFull(rnd, b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

// key returns a new random key of shop s (newKey).
func (e *env) key(s *shop) string { return newKey(s.ref.ID, rand.Reader) }

// newKey returns a random classic key of shop id that the store accepts.
// About one key in 80,000 drawn here contains "xxxx" in some case, which
// the key rules read as RMS's mask (keyrelay.KeyProblem): the store
// refuses it, as it refuses a masked key, and the test that drew it
// failed, in about one burst of 1,000 captures in 80 (BenchmarkBurst's
// 5-minute timeouts: the refused capture's goroutine stopped, and the
// benchmark waited for deliveries of captures never made).
func newKey(shopID string, rnd io.Reader) string {
	for {
		key := "SL" + shopID + "_" + alnumFrom(rnd, 16)
		if keyrelay.KeyProblem(key) == "" {
			return key
		}
	}
}

func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// waitEvent waits until the sink has seen capture c reach status.
func (e *env) waitEvent(c *keyrelay.Capture, status string) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !slices.Contains(e.events.statuses(c.UUID), status) {
		if time.Now().After(deadline) {
			e.t.Fatalf("no %s event for capture %d; got %q", status, c.ID, e.events.statuses(c.UUID))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *sink) alertCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.alerts
}

// logLines counts the worker's log lines about delivery d.
func (e *env) logLines(d *keyrelay.Delivery) int {
	n := 0
	for _, l := range strings.Split(e.logs.String(), "\n") {
		if strings.Contains(l, fmt.Sprintf(" delivery_id=%d ", d.ID)) {
			n++
		}
	}
	return n
}
