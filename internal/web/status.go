package web

import (
	"encoding/json"
	"net/http"

	"keyrelay/internal/keyrelay"
)

type apiStatus struct {
	Alerts       []keyrelay.Alert      `json:"alerts"`
	Apps         []*keyrelay.AppStatus `json:"apps"`
	WaitingLogin bool                  `json:"waiting_login"`
}

// handleAPIStatus is the status board as JSON, for a logged-in page or tool.
// It holds no key, only last 4s; it needs a session like every data page.
func (s *Server) handleAPIStatus(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	out := apiStatus{Alerts: []keyrelay.Alert{}, Apps: []*keyrelay.AppStatus{}}
	var err error
	if s.Alerts != nil {
		if out.Alerts, err = s.Alerts.Alerts(ctx, s.Now()); err != nil {
			s.jsonError(w, r, err)
			return
		}
	}
	if s.AppStatus != nil {
		if out.Apps, err = s.AppStatus.FindAppStatuses(ctx); err != nil {
			s.jsonError(w, r, err)
			return
		}
	}
	if out.WaitingLogin, err = s.waitingLogin(ctx); err != nil {
		s.jsonError(w, r, err)
		return
	}
	// Empty lists, not null, so a client can range over them as they are.
	if out.Alerts == nil {
		out.Alerts = []keyrelay.Alert{}
	}
	if out.Apps == nil {
		out.Apps = []*keyrelay.AppStatus{}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(out)
}

func (s *Server) jsonError(w http.ResponseWriter, r *http.Request, err error) {
	s.Logger.Error("api status", "err", err)
	ja, en := keyrelay.ErrorMessage(err)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": ja, "message_en": en})
}
