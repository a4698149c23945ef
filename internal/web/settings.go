package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"keyrelay/internal/goq"
	"keyrelay/internal/keyrelay"
)

// goqDestination is the destination the settings form configures.
const goqDestination = "goq"

// DefaultGoQBaseURL is what the form suggests; operators rarely change it.
const DefaultGoQBaseURL = "https://order.goqsystem.com/goq21/"

// testConnectionTimeout bounds the 接続テスト button: it logs in and opens one
// page, so anything slower is a failure worth reporting.
const testConnectionTimeout = 30 * time.Second

type settingsData struct {
	Creds   []credView
	Shops   []*keyrelay.Shop
	CanTest bool
	Form    credForm
	// Unbound are the known shops no login delivers for: their
	// deliveries wait (GoQログイン待ち).
	Unbound []*keyrelay.Shop
	// Modes are the known shops' delivery modes (settings_mode.go).
	Modes []modeRow
	// WaitingLogin: a delivery waits for a GoQ login (GoQログイン待ち).
	WaitingLogin bool
}

type credView struct {
	*keyrelay.Credentials
	ShopName string
	// Bound are the shops this login delivers for, by key and name.
	Bound []boundShop
}

type boundShop struct {
	Key  string
	Name string
}

// credForm is what the operator typed, kept for a re-render after an error.
// The password is never sent back.
type credForm struct {
	ShopKey      string
	LoginID      string
	BaseURL      string
	SettingsPath string
}

func (s *Server) handleSettings(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "settings.title", "settings")
	switch r.URL.Query().Get("done") {
	case "saved":
		v.Flash = v.L.T("settings.saved")
	case "deleted":
		v.Flash = v.L.T("settings.deleted")
	case "assigned":
		v.Flash = v.L.T("settings.assigned")
	case "unassigned":
		v.Flash = v.L.T("settings.unassigned")
	case "mode":
		v.Flash = v.L.T("mode.saved")
	case "account":
		v.Flash = v.L.T("account.saved")
	}
	form := credForm{BaseURL: DefaultGoQBaseURL}
	// ?edit=ID fills the form with a saved login (never its password), so
	// its GoQ URL or page path can be changed without retyping the rest.
	if id, err := strconv.ParseInt(r.URL.Query().Get("edit"), 10, 64); err == nil && id > 0 {
		if c, err := s.Credentials.FindCredentialsByID(r.Context(), id); err == nil && c.Destination == goqDestination {
			form = credForm{ShopKey: c.ShopKey, LoginID: c.LoginID, BaseURL: c.BaseURL, SettingsPath: c.SettingsPath}
		}
	}
	s.renderSettings(w, r, http.StatusOK, v, form)
}

func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, status int, v *view, form credForm) {
	ctx := r.Context()
	shops, err := s.Shops.FindShops(ctx)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	creds, err := s.Credentials.ListCredentials(ctx, goqDestination)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	byKey := map[string]string{}
	for _, sh := range shops {
		byKey[sh.Key] = sh.DisplayName()
	}
	d := &settingsData{Shops: shops, Form: form, CanTest: s.Destinations[goqDestination] != nil}
	bound := map[string]bool{}
	for _, c := range creds {
		name := byKey[c.ShopKey]
		switch {
		case c.ShopKey == "":
			name = v.L.T("settings.shop_any")
		case name == "":
			name = c.ShopKey
		}
		cv := credView{Credentials: c, ShopName: name}
		for _, k := range c.Shops {
			bound[k] = true
			n := byKey[k]
			if n == "" {
				n = k
			}
			cv.Bound = append(cv.Bound, boundShop{Key: k, Name: n})
		}
		d.Creds = append(d.Creds, cv)
	}
	if d.Modes, err = s.modeRows(ctx, shops); err != nil {
		s.renderError(w, r, err)
		return
	}
	// A shop in browser mode needs no login: the extension delivers its
	// keys, so it is not listed as waiting for one.
	browser := map[string]bool{}
	for _, m := range d.Modes {
		browser[m.Key] = m.Browser
	}
	for _, sh := range shops {
		if !bound[sh.Key] && !browser[sh.Key] && sh.Key != "unknown" {
			d.Unbound = append(d.Unbound, sh)
		}
	}
	if s.Deliveries != nil {
		if d.WaitingLogin, err = s.waitingLogin(ctx); err != nil {
			s.renderError(w, r, err)
			return
		}
	}
	v.Data = d
	s.render(w, r, status, "settings", v)
}

func (s *Server) handleSaveGoQ(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	form := credForm{
		ShopKey: strings.TrimSpace(r.PostForm.Get("shop_key")),
		LoginID: strings.TrimSpace(r.PostForm.Get("login_id")),
		BaseURL: strings.TrimSpace(r.PostForm.Get("base_url")),
		// A GoQ layout change needs no new build: the page path is a
		// setting, checked like any input (relative, no host, no "..").
		SettingsPath: strings.TrimSpace(r.PostForm.Get("settings_path")),
	}
	if form.BaseURL == "" {
		form.BaseURL = DefaultGoQBaseURL
	}
	password := r.PostForm.Get("password")
	v := s.newView(r, "settings.title", "settings")
	switch {
	case form.LoginID == "" || len(form.LoginID) > 200:
		v.Error = v.L.T("settings.need_login")
	case len(password) > 500:
		// An empty password keeps the stored one of an existing login;
		// SetCredentials refuses it for a new login.
		v.Error = v.L.T("settings.need_pass")
	case goq.CheckBaseURL(form.BaseURL) != nil:
		v.Error = v.L.T("settings.bad_url")
	case keyrelay.CheckSettingsPath(form.SettingsPath) != nil:
		ja, en := keyrelay.ErrorMessage(keyrelay.CheckSettingsPath(form.SettingsPath))
		v.Error = v.L.Pick(ja, en)
	}
	if v.Error == "" && form.ShopKey != "" {
		ok, err := s.knownShopKey(ctx, form.ShopKey)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		if !ok {
			v.Error = v.L.T("settings.unknown_id")
		}
	}
	if v.Error != "" {
		s.renderSettings(w, r, http.StatusBadRequest, v, form)
		return
	}
	c := &keyrelay.Credentials{
		ShopKey:     form.ShopKey,
		Destination: goqDestination,
		BaseURL:     form.BaseURL,
		LoginID:     form.LoginID,
		Password:    password,

		SettingsPath: form.SettingsPath,
	}
	if err := s.Credentials.SetCredentials(ctx, c); err != nil {
		if keyrelay.ErrorCode(err) == keyrelay.EINVALID {
			ja, en := keyrelay.ErrorMessage(err)
			v.Error = v.L.Pick(ja, en)
			s.renderSettings(w, r, http.StatusBadRequest, v, form)
			return
		}
		s.renderError(w, r, err)
		return
	}
	s.audit(r, keyrelay.AuditSettingsSaved, "GoQ login saved for shop "+strconv.Quote(form.ShopKey)+", URL "+strconv.Quote(form.BaseURL))
	s.notifyChange(r, "keyrelay: GoQSystem のログイン設定が変更されました / GoQ login changed",
		"履歴ページで変更されました。心当たりがなければ設定を確認してください。/ Changed on the history page; check the settings if this was not you.\n"+
			"店舗 shop: "+shopLabel(form.ShopKey)+"\nURL: "+form.BaseURL+"\nID: "+form.LoginID)
	if _, err := s.Deliveries.WakeWaitingLogin(ctx); err != nil {
		// The login is saved; the outbox also picks waiting deliveries up on
		// its next pass, so this is worth a log line, not an error page.
		s.Logger.Error("wake deliveries waiting for login", "err", err)
	}
	s.wakeOutbox()
	http.Redirect(w, r, "/settings?done=saved", http.StatusSeeOther)
}

func (s *Server) knownShopKey(ctx context.Context, key string) (bool, error) {
	shops, err := s.Shops.FindShops(ctx)
	if err != nil {
		return false, err
	}
	for _, sh := range shops {
		if sh.Key == key {
			return true, nil
		}
	}
	return false, nil
}

func (s *Server) handleDeleteGoQ(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.handleNotFound(w, r)
		return
	}
	// A login is deleted only when the operator ticked the confirmation
	// next to the button (the page has no script for a dialog).
	if r.PostForm.Get("confirm") != "yes" {
		v := s.newView(r, "settings.title", "settings")
		v.Error = v.L.T("settings.delete_unconfirmed")
		s.renderSettings(w, r, http.StatusBadRequest, v, credForm{BaseURL: DefaultGoQBaseURL})
		return
	}
	if err := s.Credentials.DeleteCredentials(r.Context(), id); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.audit(r, keyrelay.AuditSettingsSaved, "GoQ login "+strconv.FormatInt(id, 10)+" deleted")
	s.notifyChange(r, "keyrelay: GoQSystem のログイン設定が削除されました / GoQ login deleted",
		"履歴ページで削除されました。/ Deleted on the history page. (ID "+strconv.FormatInt(id, 10)+")")
	http.Redirect(w, r, "/settings?done=deleted", http.StatusSeeOther)
}

// handleTestGoQ logs in to GoQ with saved credentials and reports whether the
// settings form was found; it changes nothing there.
func (s *Server) handleTestGoQ(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := s.newView(r, "settings.title", "settings")
	form := credForm{BaseURL: DefaultGoQBaseURL}
	id, ok := pathID(r)
	if !ok {
		s.handleNotFound(w, r)
		return
	}
	dest := s.Destinations[goqDestination]
	if dest == nil {
		v.Error = v.L.T("settings.test_none")
		s.renderSettings(w, r, http.StatusServiceUnavailable, v, form)
		return
	}
	creds, err := s.credentialsByID(ctx, id)
	if err != nil {
		if keyrelay.ErrorCode(err) == keyrelay.ENOTFOUND {
			v.Error = v.L.T("settings.unknown_id")
			s.renderSettings(w, r, http.StatusNotFound, v, form)
			return
		}
		s.renderError(w, r, err)
		return
	}
	tctx, cancel := context.WithTimeout(ctx, testConnectionTimeout)
	defer cancel()
	if err := dest.TestConnection(tctx, creds); err != nil {
		if keyrelay.ErrorCode(err) == keyrelay.EINTERNAL {
			s.Logger.Error("GoQ connection test", "err", err)
		}
		ja, en := keyrelay.ErrorMessage(err)
		v.Error = v.L.Pick(ja, en)
		s.renderSettings(w, r, http.StatusOK, v, form)
		return
	}
	v.Flash = v.L.T("settings.test_ok")
	s.renderSettings(w, r, http.StatusOK, v, form)
}

// credentialsByID finds saved credentials with their password.
func (s *Server) credentialsByID(ctx context.Context, id int64) (*keyrelay.Credentials, error) {
	c, err := s.Credentials.FindCredentialsByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Destination != goqDestination {
		return nil, keyrelay.Errorf(keyrelay.ENOTFOUND, "その設定は見つかりません。", "That login was not found.")
	}
	return c, nil
}

// shopLabel names a credential's shop for a notification.
func shopLabel(key string) string {
	if key == "" {
		return "(既定 default)"
	}
	return key
}
