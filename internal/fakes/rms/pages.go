//go:build demo

package rms

import (
	"bytes"
	"embed"
	"html/template"
	"log"
	"net/http"
	"strings"

	"keyrelay/internal/keyrelay"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages are parsed once; a missing template panics at New, not mid-test.
type pages map[string]*template.Template

var pageFiles = []string{"mainmenu", "shopinfo", "applications", "services", "applist", "detail_a", "detail_b", "detail_c", "lookalike"}

func mustParsePages() pages {
	base := template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/partials.html"))
	p := pages{}
	for _, name := range pageFiles {
		t := template.Must(base.Clone())
		p[name] = template.Must(t.ParseFS(templateFS, "templates/"+name+".html"))
	}
	return p
}

// pageData is what every template gets; each page fills its part.
type pageData struct {
	Title   string
	Section string // "mainmenu" or "webservice": which chrome around the page
	Active  string // current side-menu item
	Shop    Shop

	// アプリ一覧
	Keyword       string
	Rows          []listRow
	Notifications []Notification

	// ライセンス情報
	App         App
	ListedState string
	Variant     Variant
	Revealed    bool
	Error       string
	RevealPath  string
	UpdatePath  string

	// evil.example
	LookalikeKey string
	ExtensionID  string
}

type listRow struct {
	Developer, Name, Last4, Expiry, State string
	UpdatePending                         bool
	DetailPath                            string
}

func (s *Server) routes() http.Handler {
	mm := http.NewServeMux()
	mm.HandleFunc("GET /{$}", s.simplePage("mainmenu", "メインメニュー"))
	mm.HandleFunc("GET /shop-info/{$}", s.simplePage("shopinfo", "店舗様向け 情報・サービス"))
	mm.HandleFunc("GET /shop-info/applications", s.simplePage("applications", "各種申請・設定変更"))

	ws := http.NewServeMux()
	ws.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, portalPrefix+"/services", http.StatusSeeOther)
	})
	ws.HandleFunc("GET "+portalPrefix+"/services", s.placeholder("services", "サービス一覧"))
	ws.HandleFunc("GET "+portalPrefix+"/apps", s.appList)
	ws.HandleFunc("GET "+portalPrefix+"/apps/{app}", s.detail)
	ws.HandleFunc("POST "+portalPrefix+"/apps/{app}/license", s.reveal)
	ws.HandleFunc("POST "+portalPrefix+"/apps/{app}/update", s.update)
	ws.HandleFunc("GET "+portalPrefix+"/", s.placeholder("", "準備中"))

	ev := http.NewServeMux()
	ev.HandleFunc("GET /{$}", s.lookalike)

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		switch hostOnly(r.Host) {
		case MainMenuHost:
			mm.ServeHTTP(w, r)
		case WebServiceHost:
			ws.ServeHTTP(w, r)
		case LookalikeHost:
			ev.ServeHTTP(w, r)
		default:
			http.Error(w, "misdirected request", http.StatusMisdirectedRequest)
		}
	})
}

func (s *Server) simplePage(name, title string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.render(w, http.StatusOK, name, &pageData{Title: title, Section: "mainmenu", Shop: s.Shop()})
	}
}

func (s *Server) placeholder(active, title string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.render(w, http.StatusOK, "services", &pageData{Title: title, Section: "webservice", Active: active, Shop: s.Shop()})
	}
}

func (s *Server) appList(w http.ResponseWriter, r *http.Request) {
	kw := strings.TrimSpace(r.URL.Query().Get("keyword"))
	d := &pageData{Title: "アプリ一覧", Section: "webservice", Active: "apps", Keyword: kw}
	s.mu.Lock()
	d.Shop = s.opts.Shop
	d.Notifications = append([]Notification(nil), s.opts.Notifications...)
	for i := range s.opts.Apps {
		a := &s.opts.Apps[i]
		row := listRow{
			Developer:     a.listDeveloper(),
			Name:          a.Name,
			Last4:         keyrelay.KeyLast4(a.Key),
			Expiry:        a.Expiry,
			State:         a.State,
			UpdatePending: a.Update != nil,
			DetailPath:    portalPrefix + "/apps/" + a.ID,
		}
		if kw != "" && !strings.Contains(row.Developer+row.Name+row.Last4+row.Expiry+a.ListedState(), kw) {
			continue
		}
		d.Rows = append(d.Rows, row)
	}
	s.mu.Unlock()
	s.render(w, http.StatusOK, "applist", d)
}

// variant picks the markup: ?variant= (or the form field), then the cookie,
// then the server default.
func (s *Server) variant(r *http.Request) Variant {
	if v := Variant(r.FormValue("variant")); v.valid() {
		return v
	}
	if c, err := r.Cookie("rms_variant"); err == nil && Variant(c.Value).valid() {
		return Variant(c.Value)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.Variant
}

func (s *Server) detailData(r *http.Request) (*pageData, bool) {
	v := s.variant(r)
	id := r.PathValue("app")
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.find(id)
	if a == nil {
		return nil, false
	}
	q := ""
	if v != s.opts.Variant {
		q = "?variant=" + string(v)
	}
	return &pageData{
		Title:       "ライセンス情報",
		Section:     "webservice",
		Active:      "apps",
		Shop:        s.opts.Shop,
		App:         cloneApp(*a),
		ListedState: a.ListedState(),
		Variant:     v,
		RevealPath:  portalPrefix + "/apps/" + a.ID + "/license" + q,
		UpdatePath:  portalPrefix + "/apps/" + a.ID + "/update" + q,
	}, true
}

func (s *Server) detail(w http.ResponseWriter, r *http.Request) {
	d, ok := s.detailData(r)
	if !ok {
		s.notFound(w)
		return
	}
	d.App.Key = "" // the masked page never carries the key, not even hidden
	s.render(w, http.StatusOK, "detail_"+string(d.Variant), d)
}

// reveal is 確認する. Like RMS it answers the POST with the revealed page
// itself; without the ticked box it shows the masked page with an error.
func (s *Server) reveal(w http.ResponseWriter, r *http.Request) {
	d, ok := s.detailData(r)
	if !ok {
		s.notFound(w)
		return
	}
	if r.FormValue("not_robot") != "on" {
		d.App.Key = ""
		d.Error = "「ロボットによる操作ではありません」にチェックを入れてください。"
		s.render(w, http.StatusOK, "detail_"+string(d.Variant), d)
		return
	}
	s.mu.Lock()
	s.reveals++
	s.mu.Unlock()
	d.Revealed = true
	s.render(w, http.StatusOK, "detail_"+string(d.Variant), d)
}

// update is アップデートする: the API list grows, the key changes and the
// mark clears; the operator then has to reveal the new key again.
func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	v := s.variant(r)
	id := r.PathValue("app")
	s.mu.Lock()
	a := s.find(id)
	if a == nil || a.Update == nil {
		s.mu.Unlock()
		if a == nil {
			s.notFound(w)
		} else {
			http.Error(w, "アップデートはありません。(no update pending)", http.StatusConflict)
		}
		return
	}
	a.APIs = append(a.APIs, a.Update.NewAPIs...)
	if a.Update.NewKey != "" {
		a.Key = a.Update.NewKey
	}
	a.Update = nil
	s.updates++
	s.mu.Unlock()
	http.Redirect(w, r, portalPrefix+"/apps/"+id+"?variant="+string(v), http.StatusSeeOther)
}

func (s *Server) lookalike(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "lookalike", &pageData{
		Title: "ライセンス情報", Section: "webservice", Shop: s.Shop(),
		LookalikeKey: LookalikeKey, ExtensionID: keyrelay.ExtensionID,
	})
}

func (s *Server) notFound(w http.ResponseWriter) {
	http.Error(w, "ページが見つかりません。(not found)", http.StatusNotFound)
}

func (s *Server) render(w http.ResponseWriter, status int, name string, d *pageData) {
	var buf bytes.Buffer
	if err := s.pageTmpl[name].ExecuteTemplate(&buf, "layout", d); err != nil {
		// A template bug in a test fake: say so loudly, it is ours to fix.
		log.Printf("rms fake: render %s: %v", name, err)
		http.Error(w, "template error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
