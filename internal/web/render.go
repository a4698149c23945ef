package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"time"

	"keyrelay/internal/keyrelay"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageNames are the templates every Server needs; each is parsed with
// layout.html into its own set.
var pageNames = []string{"home", "capture", "pairings", "audit", "settings", "message", "login_ok"}

type pageSet map[string]*template.Template

var templateFuncs = template.FuncMap{
	"datetime":    keyrelay.FormatDateTime,
	"date":        keyrelay.FormatDate,
	"statusClass": statusClass,
	"destName":    destName,
}

// destName is what the operator calls a destination.
func destName(name string) string {
	switch name {
	case keyrelay.DestinationGoQ:
		return "GoQSystem"
	}
	return name
}

// parsePages parses every page once, so a missing or broken template stops
// the helper at start instead of failing a request later.
func parsePages(fsys fs.FS) (pageSet, error) {
	set := pageSet{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(fsys, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: parse template %s: %w", name, err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("web: template %s defines no content", name)
		}
		set[name] = t
	}
	return set, nil
}

// view is what every template gets. Data is the page's own.
type view struct {
	L        lang
	Title    string
	Nav      string
	CSRF     string // empty when there is no session: the layout then shows no menu
	Path     string // for the language switch to come back to
	Flash    string
	Error    string
	Data     any
	Refresh  string // a same-origin URL for a meta refresh (login)
	Now      time.Time
	LoggedIn bool
}

func (s *Server) newView(r *http.Request, titleKey, nav string) *view {
	l := requestLang(r)
	v := &view{L: l, Title: l.T(titleKey), Nav: nav, Path: r.URL.RequestURI(), Now: s.Now()}
	if sess := sessionFrom(r.Context()); sess != nil {
		v.CSRF = sess.CSRFToken
		v.LoggedIn = true
	}
	return v
}

// render writes a page; it is buffered so a template error becomes a clean
// 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.Logger.Error("render page", "page", name, "err", err)
		http.Error(w, "500 internal error / 内部エラー", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// message is the data of the message page: one notice, in both languages
// when Bilingual (pages a visitor without a session sees), with an optional
// link onward.
type message struct {
	Heading   string
	Text      string
	TextEn    string
	Bilingual bool
	Link      string
	LinkText  string
}

// renderMessage shows a page with only a message on it.
func (s *Server) renderMessage(w http.ResponseWriter, r *http.Request, status int, m message) {
	v := s.newView(r, "app.name", "")
	v.Title = m.Heading
	v.Data = m
	s.render(w, r, status, "message", v)
}

// renderError shows err to the operator: its own words for a keyrelay.Error,
// a generic line (and a log entry) for anything else.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	code := keyrelay.ErrorCode(err)
	status := http.StatusInternalServerError
	switch code {
	case keyrelay.ENOTFOUND:
		status = http.StatusNotFound
	case keyrelay.EINVALID:
		status = http.StatusBadRequest
	case keyrelay.ECONFLICT:
		status = http.StatusConflict
	case keyrelay.EUNAUTHORIZED:
		status = http.StatusUnauthorized
	case keyrelay.EFORBIDDEN:
		status = http.StatusForbidden
	case keyrelay.EUNAVAILABLE:
		status = http.StatusServiceUnavailable
	default:
		s.Logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	ja, en := keyrelay.ErrorMessage(err)
	l := requestLang(r)
	s.renderMessage(w, r, status, message{Heading: l.T("page.error"), Text: l.Pick(ja, en)})
}
