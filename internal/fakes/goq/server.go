//go:build demo

// Package goq is a fake GoQSystem (order.goqsystem.com/goq21/) for tests and
// `keyrelay demo`: a login form with a session cookie, the menu path
// 受注管理 → 各種設定 → モール詳細設定 → 楽天市場 → WEBAPI設定, and the WEBAPI設定
// form with every field the seed manual shows. Saving redirects to the next
// step, as 「設定を保存して次へ進む」 does.
//
// It validates a save like a careful server would: every field a browser
// sends must be there (a client that drops one gets 400), nothing a browser
// would not send may be (unknown or disabled fields), select values must be
// options, and the CSRF token and lock version must be current. It counts
// accepted saves and records which fields each one changed, so tests can
// assert "posted once, nothing else touched".
//
// Paths (all under BasePath):
//
//	GET  /goq21/                              受注管理 top (menu), or → login
//	GET  /goq21/login, POST /goq21/login      login form (login_id, password, CSRF)
//	POST /goq21/logout
//	GET  /goq21/setting                       各種設定
//	GET  /goq21/setting/mall                  モール詳細設定
//	GET  /goq21/setting/mall/rakuten          楽天市場
//	GET  /goq21/setting/mall/rakuten/webapi   WEBAPI設定 form
//	POST /goq21/setting/mall/rakuten/webapi   save (markups Table and Plain)
//	POST /goq21/setting/mall/rakuten/save     save (markup Labels: relative action)
//	GET  /goq21/setting/mall/rakuten/next     the next step, after a save
//
// Faults are toggled on a running server from tests (see faults.go).
//
// One fake can hold several GoQ accounts (Options.MoreAccounts), each with
// its own login, settings and counters; a session belongs to the account
// that logged in, and every page after login shows that account's login ID
// in the page header, in the style of Options.AccountStyle (account.go).
//
// With Options.CorpusPage the settings page is instead one of the corpus
// pages (corpus/, written in the styles of real back offices), and any POST
// below BasePath is its save, recorded raw for byte comparisons (corpus.go).
package goq

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Paths of the fake, for tests and the demo.
const (
	BasePath     = "/goq21/"
	LoginPath    = "/goq21/login"
	LogoutPath   = "/goq21/logout"
	SettingPath  = "/goq21/setting"
	MallPath     = "/goq21/setting/mall"
	RakutenPath  = "/goq21/setting/mall/rakuten"
	SettingsPath = "/goq21/setting/mall/rakuten/webapi"
	SavePath     = "/goq21/setting/mall/rakuten/save"
	NextPath     = "/goq21/setting/mall/rakuten/next"
)

// SessionCookie is the name of the fake's session cookie.
const SessionCookie = "GOQ21SESSID"

// Markup selects how the WEBAPI設定 form is written. Every markup has the
// same fields and the same stored values; only the HTML differs.
type Markup int

const (
	// MarkupTable puts labels in <th> cells of a table, posts urlencoded to
	// an absolute path, and has a 「戻る」 submit button before the save one.
	MarkupTable Markup = iota
	// MarkupLabels uses <label for> for some fields and plain text in <div>s
	// for others, a radio group for 取得時間, multipart/form-data, a relative
	// action and a <button> whose text is the save label.
	MarkupLabels
	// MarkupPlain writes labels as plain text in <dt>/<div>, with
	// non-breaking and full-width spaces inside the key's label.
	MarkupPlain
)

// Markups lists every markup, for table-driven tests.
var Markups = []Markup{MarkupTable, MarkupLabels, MarkupPlain}

func (m Markup) String() string {
	switch m {
	case MarkupTable:
		return "table"
	case MarkupLabels:
		return "labels"
	case MarkupPlain:
		return "plain"
	}
	return "markup" + strconv.Itoa(int(m))
}

// Options configure a fake. The zero value is usable.
type Options struct {
	LoginID  string // accepted login ID; default DefaultLoginID
	Password string // accepted password; default DefaultPassword
	Markup   Markup
	// Settings are the stored settings to start with; missing fields take
	// DefaultSettings' values.
	Settings map[string]string
	// SettingID is the hidden shop settings id; default "1024".
	SettingID string
	// KeyDisplay is how the settings page shows the stored key; the zero
	// value shows it as is. SetKeyDisplay changes it on a running fake.
	KeyDisplay KeyDisplay
	// CorpusPage, when set, serves that page of the corpus (see corpus.go)
	// as the settings page instead of Markup's form.
	CorpusPage string
	// MoreAccounts are further GoQ accounts on the same fake, each with its
	// own settings (missing fields take DefaultSettings'). The account of
	// LoginID is the first; the Server's own methods (Settings, PostCount,
	// …) are that account's, Account(id) gives another's.
	MoreAccounts []AccountOptions
	// AccountStyle is how pages show the logged-in account; the zero value
	// picks one per markup (account.go).
	AccountStyle AccountStyle
}

// AccountOptions is one more account of a fake GoQ.
type AccountOptions struct {
	LoginID, Password string
	Settings          map[string]string
}

// Demo credentials, used when Options leaves them empty.
const (
	DefaultLoginID  = "goq-demo"
	DefaultPassword = "demo-password-2025"
)

// Server is a fake GoQSystem. Use Handler with an httptest server or any
// loopback listener. All methods are safe for concurrent use.
type Server struct {
	opts Options
	mux  *http.ServeMux

	mu         sync.Mutex
	accounts   []*account // the first is Options.LoginID's
	sessions   map[string]*session
	loginCount int
	faults     faults
	corpus     CorpusPage
}

// account is one GoQ account's stored settings and what it received.
type account struct {
	loginID, password string
	settings          map[string]string
	version           int
	postCount         int
	savedCount        int
	lastChanged       []string
	corpusPosts       []CorpusPost
}

type session struct {
	authed bool
	csrf   string
	acct   *account // the account logged in (authed sessions)
}

func newAccount(loginID, password string, settings map[string]string) *account {
	st := DefaultSettings()
	for k, v := range settings {
		st[k] = v
	}
	return &account{loginID: loginID, password: password, settings: st, version: 3}
}

// primary is the account of Options.LoginID.
func (s *Server) primary() *account { return s.accounts[0] }

// New returns a fake with opts.
func New(opts Options) *Server {
	if opts.LoginID == "" {
		opts.LoginID = DefaultLoginID
	}
	if opts.Password == "" {
		opts.Password = DefaultPassword
	}
	if opts.SettingID == "" {
		opts.SettingID = "1024"
	}
	s := &Server{opts: opts, sessions: map[string]*session{}}
	s.accounts = append(s.accounts, newAccount(opts.LoginID, opts.Password, opts.Settings))
	for _, a := range opts.MoreAccounts {
		if a.LoginID == "" || a.Password == "" || slices.ContainsFunc(s.accounts, func(x *account) bool { return x.loginID == a.LoginID }) {
			panic("fakegoq: each account needs its own login ID and a password")
		}
		s.accounts = append(s.accounts, newAccount(a.LoginID, a.Password, a.Settings))
	}
	s.faults.keyDisplay = opts.KeyDisplay
	if opts.CorpusPage != "" {
		p, ok := Corpus(opts.CorpusPage)
		if !ok {
			panic("fakegoq: no corpus page " + opts.CorpusPage)
		}
		s.corpus = p
	}
	s.routes()
	return s
}

// Handler serves the fake.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// Markup reports the form markup this fake renders.
func (s *Server) Markup() Markup { return s.opts.Markup }

// Settings returns a copy of the stored settings.
func (s *Server) Settings() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copySettings(s.primary().settings)
}

// SetSettings overwrites the given stored fields. Unknown field names are an
// error, so a test cannot set something the form does not have.
func (s *Server) SetSettings(m map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range m {
		if !isSettingField(k) {
			return fmt.Errorf("fakegoq: unknown setting %q", k)
		}
	}
	for k, v := range m {
		s.primary().settings[k] = v
	}
	return nil
}

// PostCount is how many save POSTs passed validation (session, CSRF, every
// field present and valid), including those IgnoreSaves dropped.
func (s *Server) PostCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.primary().postCount
}

// SavedCount is how many save POSTs were actually stored.
func (s *Server) SavedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.primary().savedCount
}

// LoginCount is how many logins succeeded.
func (s *Server) LoginCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loginCount
}

// LastChanged lists the fields the last stored save changed, sorted.
func (s *Server) LastChanged() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.primary().lastChanged)
}

// Version is the lock version the form carries; every stored save bumps it.
func (s *Server) Version() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.primary().version
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, BasePath, http.StatusFound)
	})
	m.HandleFunc("GET "+BasePath+"{$}", s.authed(s.page(menuTop)))
	m.HandleFunc("GET "+LoginPath, s.loginPage)
	m.HandleFunc("POST "+LoginPath, s.login)
	m.HandleFunc("POST "+LogoutPath, s.logout)
	m.HandleFunc("GET "+SettingPath, s.authed(s.page(menuSetting)))
	m.HandleFunc("GET "+MallPath, s.authed(s.page(menuMall)))
	m.HandleFunc("GET "+RakutenPath, s.authed(s.page(menuRakuten)))
	if s.corpus.Name != "" {
		m.HandleFunc("GET "+SettingsPath, s.authed(s.corpusPageHandler))
		m.HandleFunc("POST "+BasePath, s.authed(s.corpusSave))
	} else {
		m.HandleFunc("GET "+SettingsPath, s.authed(s.settingsPage))
		m.HandleFunc("POST "+SettingsPath, s.authed(s.save))
		m.HandleFunc("POST "+SavePath, s.authed(s.save))
	}
	m.HandleFunc("GET "+NextPath, s.authed(s.page(nextStep)))
	s.mux = m
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if delay := s.delay(); delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			// Drop the connection rather than answer an empty 200, which a
			// client still listening would take for a page.
			panic(http.ErrAbortHandler)
		}
	}
	switch s.requestFault() {
	case faultMaintenance:
		renderStatus(w, http.StatusServiceUnavailable, maintenancePage)
		return
	case faultServerError:
		renderStatus(w, http.StatusInternalServerError, serverErrorPage)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// authed wraps a handler that needs a logged-in session; without one it
// redirects to the login page with next= pointing back, as GoQ does.
func (s *Server) authed(h func(http.ResponseWriter, *http.Request, string, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sid, sess := s.session(r)
		if sess == nil || !sess.authed || s.expireHere(r, sid) {
			s.toLogin(w, r)
			return
		}
		h(w, r, sid, sess)
	}
}

func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Path
	if r.Method != http.MethodGet {
		next = SettingsPath
	}
	http.Redirect(w, r, LoginPath+"?next="+url.QueryEscape(next), http.StatusFound)
}

func (s *Server) session(r *http.Request) (string, *session) {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return "", nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return c.Value, s.sessions[c.Value]
}

// newSession starts a session and sets its cookie. A login always starts a
// new one (no session fixation).
func (s *Server) newSession(w http.ResponseWriter, r *http.Request, acct *account) *session {
	sid := randomToken()
	sess := &session{authed: acct != nil, csrf: randomToken(), acct: acct}
	s.mu.Lock()
	s.sessions[sid] = sess
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: sid, Path: BasePath, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	return sess
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	_, sess := s.session(r)
	if sess == nil {
		sess = s.newSession(w, r, nil)
	}
	s.mu.Lock()
	csrf := sess.csrf
	s.mu.Unlock()
	render(w, loginTmpl, loginView{CSRF: csrf, Next: r.URL.Query().Get("next")})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		renderStatus(w, http.StatusBadRequest, badRequestPage("フォームを読めません"))
		return
	}
	sid, sess := s.session(r)
	s.mu.Lock()
	ok := sess != nil && r.PostForm.Get(FieldCSRF) == sess.csrf
	s.mu.Unlock()
	if !ok {
		renderStatus(w, http.StatusForbidden, forbiddenPage)
		return
	}
	next := r.PostForm.Get("next")
	i := slices.IndexFunc(s.accounts, func(a *account) bool {
		return r.PostForm.Get("login_id") == a.loginID && r.PostForm.Get("password") == a.password
	})
	if i < 0 {
		s.mu.Lock()
		csrf := sess.csrf
		s.mu.Unlock()
		render(w, loginTmpl, loginView{CSRF: csrf, Next: next, Error: "ログインIDまたはパスワードが正しくありません。"})
		return
	}
	s.mu.Lock()
	delete(s.sessions, sid)
	s.loginCount++
	s.mu.Unlock()
	s.newSession(w, r, s.accounts[i])
	if !strings.HasPrefix(next, BasePath) || strings.HasPrefix(next, "//") {
		next = BasePath
	}
	http.Redirect(w, r, next, http.StatusFound)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	sid, _ := s.session(r)
	s.mu.Lock()
	delete(s.sessions, sid)
	s.mu.Unlock()
	http.Redirect(w, r, LoginPath, http.StatusFound)
}

func (s *Server) page(t pageKind) func(http.ResponseWriter, *http.Request, string, *session) {
	return func(w http.ResponseWriter, r *http.Request, _ string, sess *session) {
		s.mu.Lock()
		csrf := sess.csrf
		s.mu.Unlock()
		render(w, menuTmpl, menuView{Kind: t, CSRF: csrf, Shown: s.shown(sess)})
	}
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request, _ string, sess *session) {
	s.mu.Lock()
	if s.faults.rotateCSRF {
		sess.csrf = randomToken()
	}
	v := formView{
		CSRF:       sess.csrf,
		SettingID:  s.opts.SettingID,
		Version:    strconv.Itoa(sess.acct.version),
		S:          copySettings(sess.acct.settings),
		Saved:      r.URL.Query().Get("saved") == "1",
		KeyDisplay: s.faults.keyDisplay,
		Shown:      s.shownLocked(sess),
	}
	s.mu.Unlock()
	render(w, formTmpl[s.opts.Markup], v)
}

// save validates a POST of the settings form and stores it.
func (s *Server) save(w http.ResponseWriter, r *http.Request, _ string, sess *session) {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(1 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		renderStatus(w, http.StatusBadRequest, badRequestPage("フォームを読めません"))
		return
	}
	form := r.PostForm

	s.mu.Lock()
	if s.faults.staleNextSave {
		s.faults.staleNextSave = false
		sess.csrf = randomToken()
	}
	csrfOK := form.Get(FieldCSRF) == sess.csrf && len(form[FieldCSRF]) == 1
	s.mu.Unlock()
	if !csrfOK {
		renderStatus(w, http.StatusForbidden, forbiddenPage)
		return
	}
	if err := s.validate(form, r.URL.Path); err != nil {
		renderStatus(w, http.StatusBadRequest, badRequestPage(err.Error()))
		return
	}

	s.mu.Lock()
	a := sess.acct
	if form.Get(FieldLockVersion) != strconv.Itoa(a.version) {
		s.mu.Unlock()
		renderStatus(w, http.StatusConflict, conflictPage)
		return
	}
	a.postCount++
	if msg := s.faults.reject; msg != "" {
		v := formView{CSRF: sess.csrf, SettingID: s.opts.SettingID, Version: strconv.Itoa(a.version),
			S: copySettings(a.settings), KeyDisplay: s.faults.keyDisplay, Error: msg, Shown: s.shownLocked(sess)}
		s.mu.Unlock()
		render(w, formTmpl[s.opts.Markup], v)
		return
	}
	stored := !s.faults.ignoreSaves
	if stored {
		var changed []string
		for _, f := range settingFields() {
			v := form.Get(f) // an unchecked checkbox is absent: ""
			if a.settings[f] != v {
				changed = append(changed, f)
				a.settings[f] = v
			}
		}
		slices.Sort(changed)
		a.lastChanged = changed
		a.savedCount++
		a.version++
	}
	expireAfter := s.faults.expireAfterSave
	s.faults.expireAfterSave = false
	s.mu.Unlock()

	if expireAfter {
		s.ExpireSessions()
		s.toLogin(w, r)
		return
	}
	http.Redirect(w, r, NextPath, http.StatusSeeOther)
}

// validate checks a save the way a strict server would: exactly the fields
// a browser sends, once each, with values the form allows.
func (s *Server) validate(form url.Values, path string) error {
	wantPath := SettingsPath
	if s.opts.Markup == MarkupLabels {
		wantPath = SavePath
	}
	if path != wantPath {
		return errors.New("この画面からは保存できません (wrong action)")
	}
	required := append([]string{FieldCSRF, FieldSettingID, FieldLockVersion, FieldMallCode, FieldSubmitNext},
		FieldShopURL, FieldUserID, FieldLicenseKey, FieldPayGetStatus, FieldPayStoreStatus, FieldGetDays,
		FieldAutoGet, FieldGetDelay, FieldMemo)
	allowed := append(slices.Clone(required), checkboxFields...)
	for _, f := range required {
		if _, ok := form[f]; !ok {
			return fmt.Errorf("必須項目 %s がありません (missing field)", f)
		}
	}
	for name, vs := range form {
		if !slices.Contains(allowed, name) {
			return fmt.Errorf("不明な項目 %s (unexpected field)", name)
		}
		if len(vs) != 1 {
			return fmt.Errorf("項目 %s が重複しています (duplicate field)", name)
		}
	}
	for f, cs := range choicesOf {
		if !slices.ContainsFunc(cs, func(c choice) bool { return c.Value == form.Get(f) }) {
			return fmt.Errorf("%s の値が選択肢にありません (not an option)", f)
		}
	}
	for _, f := range checkboxFields {
		if vs, ok := form[f]; ok && vs[0] != "1" {
			return fmt.Errorf("%s の値が不正です", f)
		}
	}
	if form.Get(FieldSettingID) != s.opts.SettingID || form.Get(FieldMallCode) != "rakuten" {
		return errors.New("設定IDが一致しません (setting id mismatch)")
	}
	if form.Get(FieldSubmitNext) != saveButtonValue(s.opts.Markup) {
		return errors.New("送信ボタンが不正です (wrong submit button)")
	}
	if days, err := strconv.Atoi(form.Get(FieldGetDays)); err != nil || days < 1 || days > 30 {
		return errors.New("受注を取得する日数は1〜30で入力してください")
	}
	if strings.ContainsAny(form.Get(FieldLicenseKey), " \r\n\t") {
		return errors.New("ライセンスキーに空白が含まれています")
	}
	return nil
}

func saveButtonValue(m Markup) string {
	if m == MarkupLabels {
		return "save_next"
	}
	return SaveButtonLabel
}

func randomToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
