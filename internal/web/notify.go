package web

import (
	"context"
	"net/http"
	"time"
)

// notifyChange tells the operator, on the desktop, about a change made on
// the history page that decides where keys go or who may send them (a GoQ
// login or URL, a pairing). Whoever holds a session, or a program that got
// one, cannot then make that change unseen. The audit entry is written by
// the caller; a failed notification is logged, the change stands.
func (s *Server) notifyChange(r *http.Request, title, body string) {
	if s.Notify == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	if err := s.Notify(ctx, title, body); err != nil {
		s.Logger.Warn("desktop notification of a settings change failed", "err", err)
	}
}
