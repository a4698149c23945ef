package ws

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"keyrelay/internal/keyrelay"
)

// refuse audits a refusal of an HTTP request.
func (s *Server) refuse(r *http.Request, kind, reason string) {
	s.audit(kind, r.RemoteAddr, r.Header.Get("Origin"), "", reason)
}

// audit records a security event and logs it once. Refusals are rate
// limited so a hostile page hammering the port cannot grow the database
// without bound; the next recorded refusal says how many were skipped.
func (s *Server) audit(kind, remote, origin, clientID, reason string) {
	refusal := keyrelay.AuditIsRefusal(kind)
	if refusal {
		ok, note := s.audits.Admit(s.now())
		if !ok {
			return
		}
		reason += note
	}
	origin = truncate(origin, 200)
	if refusal {
		s.log.Warn("refused", "kind", kind, "reason", reason, "remote", remote, "origin", origin, "client_id", clientID)
	} else {
		s.log.Info(kind, "reason", reason, "remote", remote, "origin", origin, "client_id", clientID)
	}
	if s.Audit == nil {
		return
	}
	ctx, cancel := context.WithTimeout(s.baseCtx, s.lim.CallTimeout)
	defer cancel()
	err := s.Audit.RecordAudit(ctx, &keyrelay.AuditEvent{
		At: s.now(), Kind: kind, Remote: remote, Origin: origin, ClientID: clientID, Reason: reason,
	})
	if err != nil {
		s.log.Error("record audit event", "kind", kind, "err", err)
	}
}

// quote renders a client-supplied header for an audit reason: bounded and
// printable.
func quote(s string) string { return strconv.Quote(truncate(s, 100)) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
