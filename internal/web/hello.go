package web

import (
	"encoding/json"
	"net/http"

	"github.com/rs/cors"

	"keyrelay/internal/keyrelay"
)

// helloPath is the extension's probe. A browser tells an extension nothing
// about why a WebSocket failed, so the popup asks here: is it keyrelay at
// all, which version, and would this origin be let in.
const helloPath = "/api/v1/hello"

// helloReply carries no secret and the probe changes nothing.
type helloReply struct {
	App           string `json:"app"`
	Version       string `json:"version"`
	Protocol      int    `json:"protocol"`
	Origin        string `json:"origin"`
	OriginAllowed bool   `json:"origin_allowed"`
}

// handleHello is served behind the Host check like every route, and behind
// rs/cors with exact origins only (each response names one origin, never
// "*"): GET only, no credentials, the private-network preflight answered.
// The origins are the pinned extension and approved Firefox installs, and
// also any other browser-extension origin, so that a refused extension can
// read origin_allowed=false and say so; CORS hides everything from a
// refused origin, and the popup could not otherwise tell "keyrelay refuses
// this extension" from "another program". Web pages (http, https, null) are
// never named: they learn nothing.
func (s *Server) handleHello() http.Handler {
	c := cors.New(cors.Options{
		AllowOriginRequestFunc: func(r *http.Request, origin string) bool {
			return keyrelay.IsExtensionOrigin(origin) || s.originAllowed(r, origin)
		},
		AllowedMethods:      []string{http.MethodGet},
		AllowCredentials:    false,
		AllowPrivateNetwork: true,
		MaxAge:              600,
	})
	return c.Handler(http.HandlerFunc(s.serveHello))
}

func (s *Server) serveHello(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	allowed := origin != "" && s.originAllowed(r, origin)
	rep := helloReply{App: "keyrelay", Version: keyrelay.Version, Protocol: keyrelay.ProtocolVersion, Origin: origin, OriginAllowed: allowed}
	w.Header().Set("Content-Type", "application/json")
	if !allowed && origin != "" {
		w.WriteHeader(http.StatusForbidden)
	}
	_ = json.NewEncoder(w).Encode(rep)
}

// originAllowed is the WebSocket's rule (docs/PROTOCOL.md): the pinned
// extension, or an exact origin of an approved pairing. (An unapproved
// Firefox install may still pair over the WebSocket.)
func (s *Server) originAllowed(r *http.Request, origin string) bool {
	if origin == keyrelay.PinnedOrigin {
		return true
	}
	if !keyrelay.IsMozExtensionOrigin(origin) || s.Pairings == nil {
		return false
	}
	approved, err := s.Pairings.ApprovedOrigins(r.Context())
	if err != nil {
		s.Logger.Error("hello: approved origins", "err", err) // fail closed
		return false
	}
	for _, a := range approved {
		if a == origin {
			return true
		}
	}
	return false
}
