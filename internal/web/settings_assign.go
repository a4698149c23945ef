package web

import (
	"net/http"
	"strconv"
	"strings"

	"keyrelay/internal/keyrelay"
)

// handleAssignGoQ binds a shop to a GoQ login: that shop's keys are then
// posted with this login, and its deliveries waiting for a login resume. It
// is the only way, with `keyrelay goq assign`, that a login reaches a shop
// other than the one it was set for or first used by, so it asks for an
// explicit confirmation besides the CSRF token.
func (s *Server) handleAssignGoQ(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := pathID(r)
	if !ok {
		s.handleNotFound(w, r)
		return
	}
	v := s.newView(r, "settings.title", "settings")
	form := credForm{BaseURL: DefaultGoQBaseURL}
	move := r.PostForm.Get("move") == "1"
	if r.PostForm.Get("confirm") != "1" {
		v.Error = v.L.T("settings.need_confirm")
		s.renderSettings(w, r, http.StatusBadRequest, v, form)
		return
	}
	shopKey, ok := s.formShop(w, r, v, form)
	if !ok {
		return
	}
	c, err := s.credentialsByID(ctx, id)
	if err != nil {
		s.renderAssignError(w, r, v, form, err)
		return
	}
	n, err := s.Credentials.AssignCredentials(ctx, c.ID, shopKey, move)
	if err != nil {
		s.renderAssignError(w, r, v, form, err)
		return
	}
	s.audit(r, keyrelay.AuditSettingsSaved, "GoQ login "+strconv.FormatInt(id, 10)+" ("+c.LoginID+") assigned to shop "+
		strconv.Quote(shopKey)+moveNote(move)+"; "+strconv.Itoa(n)+" waiting deliveries resumed")
	s.wakeOutbox()
	http.Redirect(w, r, "/settings?done=assigned", http.StatusSeeOther)
}

func moveNote(move bool) string {
	if move {
		return " (moved: its other shops unassigned)"
	}
	return ""
}

// handleUnassignGoQ unbinds a shop from a GoQ login; the shop's next
// deliveries wait for a login.
func (s *Server) handleUnassignGoQ(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := pathID(r)
	if !ok {
		s.handleNotFound(w, r)
		return
	}
	v := s.newView(r, "settings.title", "settings")
	form := credForm{BaseURL: DefaultGoQBaseURL}
	shopKey := strings.TrimSpace(r.PostForm.Get("shop_key"))
	if _, err := s.credentialsByID(ctx, id); err != nil {
		s.renderAssignError(w, r, v, form, err)
		return
	}
	if err := s.Credentials.UnassignCredentials(ctx, id, shopKey); err != nil {
		s.renderAssignError(w, r, v, form, err)
		return
	}
	s.audit(r, keyrelay.AuditSettingsSaved, "GoQ login "+strconv.FormatInt(id, 10)+" unassigned from shop "+strconv.Quote(shopKey))
	http.Redirect(w, r, "/settings?done=unassigned", http.StatusSeeOther)
}

// renderAssignError shows an operator error (unknown login, shop not
// assigned) on the settings page and anything else as an error page.
func (s *Server) renderAssignError(w http.ResponseWriter, r *http.Request, v *view, form credForm, err error) {
	switch keyrelay.ErrorCode(err) {
	case keyrelay.ENOTFOUND, keyrelay.EINVALID:
		ja, en := keyrelay.ErrorMessage(err)
		v.Error = v.L.Pick(ja, en)
		s.renderSettings(w, r, http.StatusBadRequest, v, form)
	default:
		s.renderError(w, r, err)
	}
}
