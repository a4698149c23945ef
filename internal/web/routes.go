package web

import (
	"net/http"
)

type route struct {
	pattern string
	handler http.Handler
}

// routes is the whole HTTP surface in one place. page() pages need a
// session; action() POSTs also need the session's CSRF token and a
// same-origin request.
func (s *Server) routes() []route {
	ws := s.WS
	if ws == nil {
		ws = http.HandlerFunc(s.handleNoWS)
	}
	return []route{
		{"GET /{$}", s.page(s.handleHome)},
		{"GET /captures/{id}", s.page(s.handleCapture)},
		{"GET /captures.csv", s.page(s.handleCSV)},
		{"POST /deliveries/{id}/retry", s.action(s.handleRetry)},
		{"GET /pairings", s.page(s.handlePairings)},
		{"POST /pairings/approve", s.action(s.handleApprovePairing)},
		{"POST /pairings/{id}/revoke", s.action(s.handleRevokePairing)},
		{"POST /pairings/{id}/rename", s.action(s.handleRenamePairing)},
		{"GET /audit", s.page(s.handleAudit)},
		{"GET /settings", s.page(s.handleSettings)},
		{"POST /settings/goq", s.action(s.handleSaveGoQ)},
		{"POST /settings/goq/{id}/delete", s.action(s.handleDeleteGoQ)},
		{"POST /settings/goq/{id}/test", s.action(s.handleTestGoQ)},
		{"POST /settings/goq/{id}/assign", s.action(s.handleAssignGoQ)},
		{"POST /settings/goq/{id}/unassign", s.action(s.handleUnassignGoQ)},
		{"POST /settings/goq/mode", s.action(s.handleSetMode)},
		{"POST /settings/goq/account", s.action(s.handleSetAccount)},
		{"GET /api/status", s.page(s.handleAPIStatus)},
		{"GET " + helloPath, s.handleHello()},
		{"OPTIONS " + helloPath, s.handleHello()}, // CORS and private-network preflight
		{"GET /login", http.HandlerFunc(s.handleLogin)},
		{"POST /logout", s.action(s.handleLogout)},
		{"POST /lang", s.action(s.handleLang)},
		{"GET /ws", ws},
		{"GET /static/style.css", http.HandlerFunc(s.handleCSS)},
		{"GET /", http.HandlerFunc(s.handleNotFound)},
	}
}

// Routes lists the registered patterns, for tests that must cover every route.
func (s *Server) Routes() []string {
	var out []string
	for _, rt := range s.routes() {
		out = append(out, rt.pattern)
	}
	return out
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	l := requestLang(r)
	s.renderMessage(w, r, http.StatusNotFound, message{Heading: "404", Text: l.T("page.not_found")})
}

func (s *Server) handleNoWS(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "503 WebSocket not available / WebSocketは利用できません", http.StatusServiceUnavailable)
}

func (s *Server) handleCSS(w http.ResponseWriter, r *http.Request) {
	css, err := staticFS.ReadFile("static/style.css")
	if err != nil {
		s.handleNotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	// The stylesheet holds no data; letting the browser keep it a while
	// saves a request per page.
	w.Header().Set("Cache-Control", "max-age=300")
	_, _ = w.Write(css)
}
