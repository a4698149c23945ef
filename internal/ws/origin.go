package ws

import (
	"context"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/protocol"
)

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
	if o == keyrelay.PinnedOrigin {
		return protocol.ModeFull, true
	}
	for _, x := range s.ExtraOrigins {
		if o == x {
			return protocol.ModeFull, true
		}
	}
	if !keyrelay.IsMozExtensionOrigin(o) {
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
