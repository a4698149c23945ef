package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"path"
	"strconv"
	"strings"

	"keyrelay/internal/keyrelay"
)

// SessionCookieName is the history session's cookie for the helper on port.
// Cookies are not bound to a port (RFC 6265 §8.5): a helper of another data
// dir, or any program on another 127.0.0.1 port the browser visits, would
// receive a cookie of the same name. The port in the name keeps two helpers
// from overwriting each other's login; it does not hide the cookie from
// other ports (docs/SECURITY.md).
func SessionCookieName(port int) string { return "keyrelay_session_" + strconv.Itoa(port) }

func (s *Server) sessionCookie() string { return SessionCookieName(s.Port) }

// maxFormBytes bounds a form body; every form here is a few fields.
const maxFormBytes = 64 << 10

type sessionKey struct{}

func sessionFrom(ctx context.Context) *keyrelay.Session {
	s, _ := ctx.Value(sessionKey{}).(*keyrelay.Session)
	return s
}

// session returns the request's session, or nil when there is no valid cookie.
func (s *Server) session(r *http.Request) *keyrelay.Session {
	c, err := r.Cookie(s.sessionCookie())
	if err != nil || c.Value == "" || len(c.Value) > 512 {
		return nil
	}
	sess, err := s.Sessions.FindSession(r.Context(), c.Value)
	if err != nil {
		if code := keyrelay.ErrorCode(err); code != keyrelay.ENOTFOUND && code != keyrelay.EUNAUTHORIZED {
			s.Logger.Error("find session", "err", err)
		}
		return nil
	}
	return sess
}

// page guards a GET page: without a session it shows only the
// "open from keyrelay" notice, with no data.
func (s *Server) page(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := s.session(r)
		if sess == nil {
			s.renderNoSession(w, r)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess)))
	})
}

// action guards a POST: it must pass Go's cross-origin check, come with a
// valid session, and carry that session's CSRF token. Every refusal is a 403
// and an audit entry.
func (s *Server) action(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := s.cop.Check(r); err != nil {
			s.refuseCSRF(w, r, "cross-origin request: "+err.Error())
			return
		}
		sess := s.session(r)
		if sess == nil {
			s.refuseCSRF(w, r, "POST without a valid session")
			return
		}
		if err := r.ParseForm(); err != nil {
			s.refuseCSRF(w, r, "unreadable form")
			return
		}
		got := r.PostForm.Get("csrf")
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) != 1 {
			s.refuseCSRF(w, r, "missing or wrong CSRF token")
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess)))
	})
}

func (s *Server) refuseCSRF(w http.ResponseWriter, r *http.Request, reason string) {
	s.audit(r, keyrelay.AuditCSRFRefused, r.Method+" "+r.URL.Path+": "+reason)
	m := messages["page.forbidden_csrf"]
	s.renderMessage(w, r, http.StatusForbidden, message{
		Heading: "403", Text: m[0], TextEn: m[1], Bilingual: true,
	})
}

func (s *Server) renderNoSession(w http.ResponseWriter, r *http.Request) {
	s.renderMessage(w, r, http.StatusUnauthorized, message{
		Heading:   "keyrelay",
		Text:      "履歴ページは keyrelay から開いてください：ターミナルで keyrelay open を実行するか、タスクトレイのメニュー「履歴を開く」、またはブラウザ拡張機能の「履歴を開く」を使ってください。",
		TextEn:    "Please open the history page from keyrelay: run keyrelay open in a terminal, or use 履歴を開く (Open history) in the tray menu or the browser extension.",
		Bilingual: true,
	})
}

// handleLogin redeems a one-time token from `keyrelay open` into a session
// cookie.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if token == "" || len(token) > 512 {
		s.audit(r, keyrelay.AuditLoginRefused, "login without a token")
		s.renderLoginFailed(w, r)
		return
	}
	sess, cookie, err := s.Sessions.RedeemLoginToken(r.Context(), token)
	if err != nil {
		if code := keyrelay.ErrorCode(err); code == keyrelay.EINTERNAL {
			s.Logger.Error("redeem login token", "err", err)
		}
		s.audit(r, keyrelay.AuditLoginRefused, "login token unknown, used or expired")
		s.renderLoginFailed(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     s.sessionCookie(),
		Value:    cookie,
		Path:     "/",
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
		Expires:  sess.ExpiresAt,
	})
	s.audit(r, keyrelay.AuditLogin, "history page login")
	// A redirect would keep the navigation's cross-site context (the link
	// comes from a terminal, the tray or the extension), and the browser
	// would then withhold the SameSite=Strict cookie from the very next
	// page. A refresh from this page is same-site, so the cookie goes along.
	v := s.newView(r, "page.login_ok", "")
	v.Refresh = localPath(r.URL.Query().Get("next"))
	s.render(w, r, http.StatusOK, "login_ok", v)
}

func (s *Server) renderLoginFailed(w http.ResponseWriter, r *http.Request) {
	s.renderMessage(w, r, http.StatusUnauthorized, message{
		Heading:   "keyrelay",
		Text:      "このログイン用URLは使用済みか、期限（2分）が切れています。ターミナルで keyrelay open をもう一度実行するか、タスクトレイまたはブラウザ拡張機能の「履歴を開く」を使ってください。",
		TextEn:    "This login link was already used or has expired (links last 2 minutes). Run keyrelay open again, or use 履歴を開く (Open history) in the tray or the browser extension.",
		Bilingual: true,
	})
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(s.sessionCookie()); err == nil {
		if err := s.Sessions.DeleteSession(r.Context(), c.Value); err != nil && keyrelay.ErrorCode(err) != keyrelay.ENOTFOUND {
			s.Logger.Error("delete session", "err", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookie(), Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	// The page below must not show the menu of the session just ended.
	r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, (*keyrelay.Session)(nil)))
	l := requestLang(r)
	s.renderMessage(w, r, http.StatusOK, message{Heading: l.T("nav.logout"), Text: l.T("page.logged_out")})
}

// handleLang stores the language choice and goes back to the page it came from.
func (s *Server) handleLang(w http.ResponseWriter, r *http.Request) {
	l := langJA
	if r.PostForm.Get("lang") == string(langEN) {
		l = langEN
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: 365 * 24 * 3600})
	http.Redirect(w, r, localPath(r.PostForm.Get("next")), http.StatusSeeOther)
}

// localPath returns p if it is a path on this site, else "/": a redirect
// target from a form must not lead off the helper.
func localPath(p string) string {
	if len(p) < 1 || p[0] != '/' || len(p) > 2000 {
		return "/"
	}
	// Browsers read a backslash as a slash, and http.Redirect cleans the
	// path afterwards ("/./\\evil" becomes "/\\evil", i.e. //evil): no
	// backslash at all, and no // after cleaning.
	if strings.ContainsRune(p, '\\') || strings.HasPrefix(path.Clean(p), "//") {
		return "/"
	}
	if len(p) > 1 && p[1] == '/' {
		return "/"
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f {
			return "/"
		}
	}
	return p
}
