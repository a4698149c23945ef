package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/loopback"
	"keyrelay/internal/peercred"
	"keyrelay/internal/ratelimit"
)

// Server is the history page and HTTP surface. Create it with New, set the
// dependencies, then serve Handler().
type Server struct {
	Captures    keyrelay.CaptureService
	Shops       keyrelay.ShopService
	Pairings    keyrelay.PairingService
	Audit       keyrelay.AuditService
	Sessions    keyrelay.SessionService
	Deliveries  keyrelay.DeliveryService
	Credentials keyrelay.CredentialService
	// Export streams the CSV download (one query for the whole file).
	Export keyrelay.CaptureExporter
	// Modes may be nil: GoQ設定 then shows no delivery modes.
	Modes keyrelay.DeliveryModeService

	// AppStatus and Alerts feed the status board and the banner; nil hides them.
	AppStatus keyrelay.AppStatusService
	Alerts    keyrelay.AlertSource

	// WS is the WebSocket endpoint, mounted at GET /ws behind the same Host
	// check; nil answers 503.
	WS http.Handler
	// Destinations by name, for the connection test button.
	Destinations map[string]keyrelay.Destination
	// Outbox is woken after a retry or a settings change; may be nil.
	Outbox interface{ Wake() }
	// Notify shows a desktop notification (GoQ login changed, pairing
	// approved); nil shows none.
	Notify func(ctx context.Context, title, body string) error

	// Port is the port the helper listens on; the Host check requires it.
	Port   int
	Logger *slog.Logger
	Now    func() time.Time

	pages    pageSet
	cop      *http.CrossOriginProtection
	refusals *ratelimit.Refusals
}

// New parses the embedded templates; it fails if one is missing or broken.
func New() (*Server, error) {
	pages, err := parsePages(templateFS)
	if err != nil {
		return nil, err
	}
	return &Server{pages: pages, refusals: ratelimit.NewRefusals()}, nil
}

// Handler returns the whole app: the Host check first, then the security
// headers, then the routes.
func (s *Server) Handler() http.Handler {
	if s.pages == nil {
		panic("web: Server must be created with web.New")
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	s.cop = http.NewCrossOriginProtection()
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.pattern, rt.handler)
	}
	// The headers are constant, so stamping them before the checks decides
	// nothing about the request; it only means their 403s carry them too.
	// The peer's OS user is judged first (every route, /ws included), then
	// the Host.
	return securityHeaders(peercred.Guard(loopback.Guard(s.Port, s.hostRefused, mux), s.PeerRefused))
}

// PeerRefused records a connection from another OS user's process (one
// rate-limited audit line per refusal).
func (s *Server) PeerRefused(r *http.Request, reason string) {
	s.audit(r, keyrelay.AuditPeerRefused, reason)
}

func (s *Server) hostRefused(r *http.Request, reason string) {
	s.audit(r, keyrelay.AuditHostRefused, reason)
}

// audit records a security event; a failure is logged, never shown, because
// the refusal it describes must go out regardless.
func (s *Server) audit(r *http.Request, kind, reason string) {
	if s.Audit == nil {
		return
	}
	// Refusals are rate limited: a rebinding page hammering the port must
	// not grow the audit table without bound.
	if keyrelay.AuditIsRefusal(kind) {
		ok, note := s.refusals.Admit(s.Now())
		if !ok {
			return
		}
		reason += note
	}
	e := &keyrelay.AuditEvent{
		At:     s.Now(),
		Kind:   kind,
		Remote: r.RemoteAddr,
		Origin: truncate(r.Header.Get("Origin"), 200),
		Reason: truncate(reason, 500),
	}
	// The request may already be cancelled (a refused client hung up); the
	// record should still be written.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	if err := s.Audit.RecordAudit(ctx, e); err != nil {
		s.Logger.Error("record audit event", "kind", kind, "err", err)
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// securityHeaders sets the strict headers on every response. There is no
// inline script or style anywhere, so the CSP can forbid both.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
