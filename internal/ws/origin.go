package ws

import (
	"context"
	"regexp"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
)

// mozOrigin is a Firefox extension origin: Firefox gives each install a
// random UUID, so it cannot be pinned and is admitted to pairing only until
// the operator approves it.
var mozOrigin = regexp.MustCompile(`^moz-extension://[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// classifyOrigin decides what a connection from these Origin headers may do.
// Only exact matches count; there is no wildcard.
func (s *Server) classifyOrigin(ctx context.Context, values []string) (mode string, ok bool) {
	if len(values) != 1 {
		return "", false
	}
	o := values[0]
	if o == "" || o == "null" {
		return "", false
	}
	if o == "chrome-extension://"+keyrelay.ExtensionID {
		return protocol.ModeFull, true
	}
	for _, x := range s.ExtraOrigins {
		if o == x {
			return protocol.ModeFull, true
		}
	}
	if !mozOrigin.MatchString(o) {
		return "", false
	}
	// Only a Firefox install can be an approved origin that is not pinned:
	// web origins are refused above without touching the database.
	approved, err := s.Pairings.ApprovedOrigins(ctx)
	if err != nil {
		s.log.Error("approved origins", "err", err) // fail closed: pairing only
	}
	for _, x := range approved {
		if o == x {
			return protocol.ModeFull, true
		}
	}
	return protocol.ModePairOnly, true
}
