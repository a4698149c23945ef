package web

import (
	"net/http"
	"strconv"
	"strings"

	"keyrelay/internal/keyrelay"
)

type pairingsData struct {
	Pending  []pendingView
	Approved []*keyrelay.Pairing
}

// pendingView is a request waiting for approval with its age, which the
// operator compares with the moment they pressed ペアリング.
type pendingView struct {
	*keyrelay.Pairing
	Age string
}

func (s *Server) handlePairings(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "pairings.title", "pairings")
	switch r.URL.Query().Get("done") {
	case "approved":
		v.Flash = v.L.T("pairings.approved_ok")
	case "revoked":
		v.Flash = v.L.T("pairings.revoked_ok")
	case "renamed":
		v.Flash = v.L.T("pairings.renamed_ok")
	}
	s.renderPairings(w, r, http.StatusOK, v)
}

func (s *Server) renderPairings(w http.ResponseWriter, r *http.Request, status int, v *view) {
	ctx := r.Context()
	d := &pairingsData{}
	pending, err := s.Pairings.FindPairings(ctx, keyrelay.PairingFilter{Status: keyrelay.PairingPending})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	// A pending request past its TTL cannot be approved; listing it would
	// invite the operator to try.
	now := s.Now()
	for _, p := range pending {
		if p.ExpiresAt.IsZero() || p.ExpiresAt.After(now) {
			d.Pending = append(d.Pending, pendingView{Pairing: p, Age: keyrelay.PairingAge(now, p.CreatedAt)})
		}
	}
	if d.Approved, err = s.Pairings.FindPairings(ctx, keyrelay.PairingFilter{Status: keyrelay.PairingApproved}); err != nil {
		s.renderError(w, r, err)
		return
	}
	v.Data = d
	s.render(w, r, status, "pairings", v)
}

func (s *Server) handleApprovePairing(w http.ResponseWriter, r *http.Request) {
	code := strings.TrimSpace(r.PostForm.Get("code"))
	if !sixDigits(code) {
		v := s.newView(r, "pairings.title", "pairings")
		v.Error = v.L.T("pairings.bad_code")
		s.renderPairings(w, r, http.StatusBadRequest, v)
		return
	}
	p, err := s.Pairings.ApprovePairing(r.Context(), code)
	if err != nil {
		if code := keyrelay.ErrorCode(err); code == keyrelay.ENOTFOUND || code == keyrelay.EINVALID || code == keyrelay.ECONFLICT {
			v := s.newView(r, "pairings.title", "pairings")
			ja, en := keyrelay.ErrorMessage(err)
			v.Error = v.L.Pick(ja, en)
			s.renderPairings(w, r, http.StatusBadRequest, v)
			return
		}
		s.renderError(w, r, err)
		return
	}
	s.auditClient(r, keyrelay.AuditPairApproved, p.ClientID, "approved on the history page: "+strconv.Quote(p.Name)+" from "+p.Origin)
	s.notifyChange(r, "keyrelay: 拡張機能のペアリングを承認しました / pairing approved",
		"履歴ページで承認されました。心当たりがなければペアリングを取り消してください。/ Approved on the history page; revoke it if this was not you.\n"+
			p.Name+"\n"+p.Origin)
	http.Redirect(w, r, "/pairings?done=approved", http.StatusSeeOther)
}

func (s *Server) handleRevokePairing(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.handleNotFound(w, r)
		return
	}
	if err := s.Pairings.RevokePairing(r.Context(), id); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.auditClient(r, keyrelay.AuditPairRevoked, "", "pairing "+strconv.FormatInt(id, 10)+" revoked on the history page")
	http.Redirect(w, r, "/pairings?done=revoked", http.StatusSeeOther)
}

// handleRenamePairing names a browser, so an agency can tell its
// browsers apart (the default name is the browser and the pairing time).
func (s *Server) handleRenamePairing(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.handleNotFound(w, r)
		return
	}
	if err := s.Pairings.RenamePairing(r.Context(), id, r.PostForm.Get("name")); err != nil {
		if code := keyrelay.ErrorCode(err); code == keyrelay.EINVALID || code == keyrelay.ENOTFOUND {
			v := s.newView(r, "pairings.title", "pairings")
			ja, en := keyrelay.ErrorMessage(err)
			v.Error = v.L.Pick(ja, en)
			s.renderPairings(w, r, http.StatusBadRequest, v)
			return
		}
		s.renderError(w, r, err)
		return
	}
	s.auditClient(r, keyrelay.AuditPairRenamed, "", "pairing "+strconv.FormatInt(id, 10)+" renamed on the history page")
	http.Redirect(w, r, "/pairings?done=renamed", http.StatusSeeOther)
}

func (s *Server) auditClient(r *http.Request, kind, clientID, reason string) {
	if s.Audit == nil {
		return
	}
	e := &keyrelay.AuditEvent{At: s.Now(), Kind: kind, Remote: r.RemoteAddr, ClientID: clientID, Reason: reason}
	if err := s.Audit.RecordAudit(r.Context(), e); err != nil {
		s.Logger.Error("record audit event", "kind", kind, "err", err)
	}
}

func sixDigits(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
