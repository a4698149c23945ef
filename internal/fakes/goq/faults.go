//go:build demo

package goq

import (
	"net/http"
	"time"
)

// faults are the failures a test can switch on. Each toggle is a method on
// Server, so a test flips it between two client calls or while one runs.
type faults struct {
	failNext        int
	delay           time.Duration
	maintenance     bool
	rotateCSRF      bool
	ignoreSaves     bool
	staleNextSave   bool
	expireAtGet     bool
	expireAtSave    bool
	expireAfterSave bool
	keyDisplay      KeyDisplay
	reject          string
}

// SetReject makes every save that passes validation answer 200 with the
// settings page again and msg in an error box, storing nothing, as GoQ does
// for a key it refuses ("" turns it off). PostCount still counts the save.
func (s *Server) SetReject(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.reject = msg
}

type requestFault int

const (
	faultNone requestFault = iota
	faultMaintenance
	faultServerError
)

// FailNext makes the next n requests (of any kind) answer 500 before doing
// anything.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.failNext = n
}

// SetDelay delays every response by d (0 turns it off). A client whose
// request times out sees the connection dropped.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.delay = d
}

// SetMaintenance makes every page a 503 「メンテナンス中」 page.
func (s *Server) SetMaintenance(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.maintenance = on
}

// SetRotateCSRF issues a new CSRF token on every GET of the settings page;
// a save with the previous token gets a 403 page.
func (s *Server) SetRotateCSRF(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.rotateCSRF = on
}

// StaleTokenOnNextSave rotates the CSRF token just before the next save is
// checked, as if another tab had opened the page: that save gets a 403 page
// and is not stored.
func (s *Server) StaleTokenOnNextSave() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.staleNextSave = true
}

// SetIgnoreSaves makes saves answer as if they worked (redirect to the next
// step) while storing nothing.
func (s *Server) SetIgnoreSaves(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.ignoreSaves = on
}

// KeyDisplay is how the settings page shows the stored license key. Real
// settings pages often hide a stored credential; a client that decides from
// the page whether the key is already saved must notice when it cannot.
type KeyDisplay int

const (
	// KeyShown renders the stored key as the field's value.
	KeyShown KeyDisplay = iota
	// KeyMasked renders MaskedKeyValue instead of the key.
	KeyMasked
	// KeyPassword renders the key field as <input type="password"> with an
	// empty value, as pages that never echo a secret do.
	KeyPassword
)

// MaskedKeyValue is the key field's value under KeyMasked.
const MaskedKeyValue = "********"

// SetKeyDisplay changes how the settings page shows the stored key. Saves
// are unaffected: they store what is posted.
func (s *Server) SetKeyDisplay(d KeyDisplay) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.keyDisplay = d
}

// ExpirePoint is where in the flow a session expires.
type ExpirePoint int

const (
	// ExpireAtSettingsGet ends the session when the next GET of the settings
	// page arrives: it is redirected to the login page.
	ExpireAtSettingsGet ExpirePoint = iota
	// ExpireAtSave ends the session when the next save arrives: it is
	// redirected to the login page and nothing is stored.
	ExpireAtSave
	// ExpireAfterSave stores the next save and then ends the session and
	// answers with the login page, so the client cannot tell from the answer
	// whether it worked.
	ExpireAfterSave
)

// ExpireSession arms a one-shot session expiry at p.
func (s *Server) ExpireSession(p ExpirePoint) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch p {
	case ExpireAtSettingsGet:
		s.faults.expireAtGet = true
	case ExpireAtSave:
		s.faults.expireAtSave = true
	case ExpireAfterSave:
		s.faults.expireAfterSave = true
	}
}

// ExpireSessions ends every session now.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.sessions)
}

func (s *Server) delay() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.delay
}

func (s *Server) requestFault() requestFault {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.faults.maintenance:
		return faultMaintenance
	case s.faults.failNext > 0:
		s.faults.failNext--
		return faultServerError
	}
	return faultNone
}

// expireHere reports whether an armed expiry fires for r, and if so ends the
// session sid.
func (s *Server) expireHere(r *http.Request, sid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	fire := false
	switch {
	case r.Method == http.MethodGet && r.URL.Path == SettingsPath && s.faults.expireAtGet:
		s.faults.expireAtGet = false
		fire = true
	case r.Method == http.MethodPost && (r.URL.Path == SettingsPath || r.URL.Path == SavePath) && s.faults.expireAtSave:
		s.faults.expireAtSave = false
		fire = true
	}
	if fire {
		delete(s.sessions, sid)
	}
	return fire
}
