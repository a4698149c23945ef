package web

import (
	"net/http"
	"strconv"

	"keyrelay/internal/keyrelay"
)

const auditPageSize = 100

type auditData struct {
	Events   []*keyrelay.AuditEvent
	OlderURL string
	FirstURL string
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	f := keyrelay.AuditFilter{Limit: auditPageSize + 1}
	if id, err := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64); err == nil && id > 0 {
		f.BeforeID = id
	}
	events, err := s.Audit.FindAuditEvents(r.Context(), f)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d := &auditData{Events: events}
	if len(events) > auditPageSize {
		d.Events = events[:auditPageSize]
		d.OlderURL = "/audit?before=" + strconv.FormatInt(d.Events[auditPageSize-1].ID, 10)
	}
	if f.BeforeID > 0 {
		d.FirstURL = "/audit"
	}
	v := s.newView(r, "audit.title", "audit")
	v.Data = d
	s.render(w, r, http.StatusOK, "audit", v)
}
