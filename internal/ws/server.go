// Package ws is the helper's side of the WebSocket protocol (docs/PROTOCOL.md):
// it admits only the extension (Host, Origin, connection cap, rate limit),
// pairs and authenticates it, commits captures before acknowledging them and
// pushes delivery and alert changes back.
package ws

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/loopback"
	"keyrelay/internal/protocol"
	"keyrelay/internal/ratelimit"
)

// Server serves /ws. Set the exported fields, mount it, and call Shutdown
// on exit. It implements keyrelay.EventSink.
type Server struct {
	Captures keyrelay.CaptureService
	Pairings keyrelay.PairingService
	Audit    keyrelay.AuditService
	Sessions keyrelay.SessionService
	// AppStatus may be nil: app_list is then acknowledged but not stored.
	AppStatus keyrelay.AppStatusService
	// Alerts may be nil: status then reports no alerts.
	Alerts keyrelay.AlertSource
	// Deliveries may be nil. Otherwise a capture's ack is followed by its
	// deliveries' current status (a key waiting for a GoQ login has no
	// other event to tell the extension so).
	Deliveries keyrelay.DeliveryService
	// PairingShops may be nil: every browser then hears every alert.
	// Otherwise each hears only its own shops' (keyrelay.AlertsForPairing).
	PairingShops keyrelay.PairingShopService
	// Paused may be nil; it reports whether deliveries are paused (一時停止).
	Paused func() bool
	// OnBrowserReady, when set, is called (in its own goroutine) when a
	// pairing authenticates or says its GoQ tab is usable again (goq_ready):
	// its deliveries waiting for the browser may go (goqtask.go).
	OnBrowserReady func(clientID string)
	// SetBrowserMode, when set, puts a shop without a GoQ login into
	// browser mode (the popup's offer); it refuses a shop that has one.
	SetBrowserMode func(ctx context.Context, shopKey string) error
	// ConfirmBrowserAccount, when set, pins account as the GoQ account of a
	// browser-mode shop that has none (the popup's confirmation); it refuses
	// a shop in helper mode or with an account already set.
	ConfirmBrowserAccount func(ctx context.Context, shopKey, account string) error

	Port int // the helper's port, for the Host check and login URLs
	// BaseURL is the helper's own URL as it really listens, e.g.
	// "http://[::1]:27415/"; the helper builds it (helperURL). Empty:
	// http://127.0.0.1:Port/.
	BaseURL      string
	ExtraOrigins []string // exact origins allowed besides the pinned extension id
	Logger       *slog.Logger
	Now          func() time.Time
	Limits       Limits

	once     sync.Once
	lim      Limits
	log      *slog.Logger
	baseCtx  context.Context
	cancel   context.CancelFunc
	upgrades *ratelimit.Bucket
	audits   *ratelimit.Refusals
	nonces   *nonceCache

	pairs *ratelimit.Bucket // pairing requests, all connections together
	goq   goqTasks          // browser-mode tasks waiting for a result

	mu       sync.Mutex
	conns    map[*conn]struct{}
	unauthed int    // unauthenticated slots taken, including ones still upgrading
	authed   int    // authenticated slots taken
	seq      uint64 // admission order, for "oldest"
	closed   bool
	wg       sync.WaitGroup
}

// Limits are the protocol's bounds; zero fields take the documented values.
// Tests shorten them.
type Limits struct {
	MaxConns          int           // authenticated connections; more evict the oldest
	MaxUnauthed       int           // unauthenticated connections; more evict the oldest
	PairBurst         int           // pairing requests one connection may make at once
	PairPerMinute     float64       // and then per minute
	PairGlobalBurst   int           // pairing requests of all connections at once
	PairGlobalPerMin  float64       // and then per minute
	UpgradesPerSecond float64       // more get 429
	UpgradeBurst      int           // upgrades allowed at once
	MessagesPerSecond float64       // per connection; more get rate_limited
	MessageBurst      int           // messages allowed at once
	AuthTimeout       time.Duration // from hello to auth_begin/pairing
	IdleTimeout       time.Duration // an authenticated connection's silence
	PingInterval      time.Duration
	WriteTimeout      time.Duration
	PairPoll          time.Duration // how often a waiting pairing is checked
	CallTimeout       time.Duration // one store call
}

func (l Limits) withDefaults() Limits {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if l.MaxConns <= 0 {
		l.MaxConns = 16
	}
	if l.MaxUnauthed <= 0 {
		l.MaxUnauthed = 4
	}
	if l.PairBurst <= 0 {
		l.PairBurst = 2
	}
	if l.PairPerMinute <= 0 {
		l.PairPerMinute = 1
	}
	if l.PairGlobalBurst <= 0 {
		l.PairGlobalBurst = 6
	}
	if l.PairGlobalPerMin <= 0 {
		l.PairGlobalPerMin = 6
	}
	if l.UpgradesPerSecond <= 0 {
		l.UpgradesPerSecond = 20
	}
	if l.UpgradeBurst <= 0 {
		l.UpgradeBurst = int(l.UpgradesPerSecond)
	}
	if l.MessagesPerSecond <= 0 {
		l.MessagesPerSecond = 20
	}
	if l.MessageBurst <= 0 {
		l.MessageBurst = 40
	}
	def(&l.AuthTimeout, 10*time.Second)
	def(&l.IdleTimeout, 60*time.Second)
	def(&l.PingInterval, 20*time.Second)
	def(&l.WriteTimeout, 10*time.Second)
	def(&l.PairPoll, time.Second)
	def(&l.CallTimeout, 10*time.Second)
	return l
}

func (s *Server) init() {
	s.once.Do(func() {
		s.lim = s.Limits.withDefaults()
		s.log = s.Logger
		if s.log == nil {
			s.log = slog.New(slog.DiscardHandler)
		}
		s.log = s.log.With("component", "ws")
		s.baseCtx, s.cancel = context.WithCancel(context.Background())
		s.upgrades = ratelimit.New(s.lim.UpgradesPerSecond, float64(s.lim.UpgradeBurst))
		s.audits = ratelimit.NewRefusals()
		s.pairs = ratelimit.New(s.lim.PairGlobalPerMin/60, float64(s.lim.PairGlobalBurst))
		s.nonces = newNonceCache(24*time.Hour, 1<<17)
		s.conns = map[*conn]struct{}{}
	})
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// ServeHTTP admits and upgrades one /ws request. Every check runs before the
// upgrade, in the order docs/PROTOCOL.md lists them.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.init()
	if s.Captures == nil || s.Pairings == nil {
		s.log.Error("ws.Server needs Captures and Pairings")
		http.Error(w, "500 helper misconfigured / ヘルパーの設定に誤りがあります", http.StatusInternalServerError)
		return
	}
	origin := r.Header.Get("Origin")
	if !loopback.AllowedHost(r.Host, s.Port) {
		s.refuse(r, keyrelay.AuditHostRefused, "host "+quote(r.Host)+" not allowed")
		http.Error(w, "403 host not allowed / このホスト名では接続できません", http.StatusForbidden)
		return
	}
	mode, ok := s.classifyOrigin(r.Context(), r.Header.Values("Origin"))
	if !ok {
		s.refuse(r, keyrelay.AuditOriginRefused, "origin "+quote(origin)+" not allowed")
		http.Error(w, "403 origin not allowed / この接続元は許可されていません", http.StatusForbidden)
		return
	}
	if !websocket.IsWebSocketUpgrade(r) {
		http.Error(w, "400 WebSocket upgrade expected / WebSocket接続ではありません", http.StatusBadRequest)
		return
	}
	// The rate first: a refused attempt must not evict anyone.
	if !s.upgrades.Allow(s.now()) {
		s.refuse(r, keyrelay.AuditRateLimited, "upgrade rate limit")
		http.Error(w, "429 too many connection attempts / 接続が多すぎます", http.StatusTooManyRequests)
		return
	}
	victim, ok := s.admit()
	if !ok {
		s.refuse(r, keyrelay.AuditRateLimited, "connection cap reached")
		http.Error(w, "503 too many connections / 接続数が上限に達しています", http.StatusServiceUnavailable)
		return
	}
	s.evict(victim, "oldest unauthenticated connection, evicted to admit a new one")
	up := websocket.Upgrader{
		ReadBufferSize:  4096,
		WriteBufferSize: 4096,
		// The origin was checked above against the allowlist; this only
		// makes sure the upgrader sees that same, single origin.
		CheckOrigin: func(r *http.Request) bool {
			v := r.Header.Values("Origin")
			return len(v) == 1 && v[0] == origin && origin != ""
		},
	}
	wsc, err := up.Upgrade(w, r, nil)
	if err != nil { // the upgrader has answered with an HTTP error
		s.release(nil)
		return
	}
	c := s.newConn(wsc, r.RemoteAddr, origin, mode)
	s.enlist(c)
	go c.writeLoop()
	c.readLoop()
}

// Shutdown closes every connection with 1001 and waits for their goroutines,
// forcing the sockets shut when ctx ends first.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	s.mu.Lock()
	s.closed = true
	conns := s.snapshot()
	s.mu.Unlock()
	for _, c := range conns {
		c.closeWith(websocket.CloseGoingAway, "helper shutting down")
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	defer s.cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	conns = s.snapshot()
	s.mu.Unlock()
	for _, c := range conns {
		c.ws.Close()
	}
	s.cancel() // aborts store calls in flight
	select {
	case <-done:
	case <-time.After(time.Second): // a stuck goroutine must not hang the exit
		s.log.Error("ws shutdown: connections did not finish")
	}
	return ctx.Err()
}

func (s *Server) snapshot() []*conn {
	out := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

// DeliveryChanged pushes a delivery message to the connections of the
// pairing that made the capture, and to no other browser: an agency's
// browsers each see only their own deliveries.
func (s *Server) DeliveryChanged(ev keyrelay.DeliveryEvent) {
	s.init()
	at := ev.At
	if at.IsZero() {
		at = s.now()
	}
	ctx, cancel := context.WithTimeout(s.baseCtx, s.lim.CallTimeout)
	defer cancel()
	c, err := s.Captures.FindCaptureByUUID(ctx, ev.CaptureUUID)
	if err != nil {
		s.log.Error("delivery push: find capture", "capture_id", ev.CaptureUUID, "err", err)
		return
	}
	data, err := protocol.Encode(&protocol.Delivery{
		CaptureID: ev.CaptureUUID, Destination: ev.Destination, Status: ev.Status,
		Detail: ev.Detail, DetailEn: ev.DetailEn, Quote: ev.Quote, LoginID: ev.LoginID, At: at.UTC().Format(time.RFC3339),
	})
	if err != nil {
		s.log.Error("encode push", "type", "delivery", "err", err)
		return
	}
	for _, cn := range s.authedConns() {
		if c.ClientID != "" && cn.id() == c.ClientID {
			cn.sendRaw(data)
		}
	}
}

// AlertsChanged pushes each connection its browser's alerts as a status
// message.
func (s *Server) AlertsChanged() {
	s.init()
	ctx, cancel := context.WithTimeout(s.baseCtx, s.lim.CallTimeout)
	defer cancel()
	all, err := s.allAlerts(ctx)
	if err != nil {
		s.log.Error("alerts for status push", "err", err)
		return
	}
	for _, c := range s.authedConns() {
		st, err := s.statusFor(ctx, c.id(), all)
		if err != nil {
			s.log.Error("alerts for status push", "client_id", c.id(), "err", err)
			continue
		}
		data, err := protocol.Encode(st)
		if err != nil {
			s.log.Error("encode push", "type", "status", "err", err)
			return
		}
		c.sendRaw(data)
	}
}

func (s *Server) authedConns() []*conn {
	s.mu.Lock()
	conns := s.snapshot()
	s.mu.Unlock()
	out := conns[:0]
	for _, c := range conns {
		if c.authed.Load() {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) allAlerts(ctx context.Context) ([]keyrelay.Alert, error) {
	if s.Alerts == nil {
		return nil, nil
	}
	return s.Alerts.Alerts(ctx, s.now())
}

// status is the status reply for one browser (clientID).
func (s *Server) status(ctx context.Context, clientID string) (*protocol.StatusReply, error) {
	all, err := s.allAlerts(ctx)
	if err != nil {
		return nil, err
	}
	return s.statusFor(ctx, clientID, all)
}

func (s *Server) statusFor(ctx context.Context, clientID string, all []keyrelay.Alert) (*protocol.StatusReply, error) {
	st := &protocol.StatusReply{Alerts: []keyrelay.Alert{}}
	if s.Paused != nil {
		st.Paused = s.Paused()
	}
	if all == nil {
		return st, nil
	}
	if s.PairingShops == nil {
		st.Alerts = all
		return st, nil
	}
	shops, err := s.PairingShops.PairingShopKeys(ctx, clientID)
	if err != nil {
		return nil, err
	}
	st.Alerts = keyrelay.AlertsForPairing(all, clientID, shops)
	return st, nil
}
