//go:build demo

// Package rms is a fake of the Rakuten RMS pages the extension reads, built
// from the seed manual (/work/shared/seed). Tests and `keyrelay demo` serve it
// over HTTPS under the real host names (tlsfake makes the certificate;
// Chromium's --host-resolver-rules points the names at the listener).
//
// Routes (the URL methods below build them, so callers never hardcode paths):
//
//	https://mainmenu.rms.rakuten.co.jp/
//	  GET  /                               メインメニュー
//	  GET  /shop-info/                     店舗様向け 情報・サービス (menu 1–7)
//	  GET  /shop-info/applications         各種申請・設定変更 (WEB APIサービスアクセス許可設定 [設定変更])
//	https://webservice.rms.rakuten.co.jp/
//	  GET  /                               303 to サービス一覧
//	  GET  /merchant-portal/services       サービス一覧 (a page with nothing to capture)
//	  GET  /merchant-portal/apps           アプリ一覧: WEB APIアクセス許可設定 and システムイベント通知 tables (?keyword=)
//	  GET  /merchant-portal/apps/{app}     ライセンス情報, key masked, robot check (?variant=a|b|c)
//	  POST /merchant-portal/apps/{app}/license  確認する: reveals the key only with not_robot=on
//	  POST /merchant-portal/apps/{app}/update   アップデートする (after a JS confirm): 303 to the masked page
//	  GET  /merchant-portal/{anything else}     準備中 placeholder for the side menu's other items
//	https://evil.example/ (LookalikeHost)
//	  GET  /?port=N                        a look-alike revealed page that tries to push a key to the extension and the helper
//
// The detail page comes in three markups (Variant), chosen by ?variant=, then
// the rms_variant cookie, then Options.Variant.
package rms

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
)

// Host names the fake answers to.
const (
	MainMenuHost   = "mainmenu.rms.rakuten.co.jp"
	WebServiceHost = "webservice.rms.rakuten.co.jp"
	LookalikeHost  = "evil.example"
)

// Hosts are every name the fake serves, for the certificate and the resolver rules.
var Hosts = []string{MainMenuHost, WebServiceHost, LookalikeHost}

// Variant is a markup of the ライセンス情報 page.
type Variant string

const (
	// VariantTable is th/td tables, as the seed's second rendering.
	VariantTable Variant = "a"
	// VariantLines is "label: value" lines with mixed colons (：/:), extra
	// whitespace and line breaks, as the seed's third rendering.
	VariantLines Variant = "b"
	// VariantGrid is dl/dt/dd with "?" help icons after labels, the key in a
	// readonly <input>, and the API list as a div grid.
	VariantGrid Variant = "c"
)

// Variants lists every markup, for table-driven tests.
var Variants = []Variant{VariantTable, VariantLines, VariantGrid}

func (v Variant) valid() bool { return slices.Contains(Variants, v) }

// Options configure a fake RMS.
type Options struct {
	Shop          Shop
	Apps          []App
	Notifications []Notification
	Variant       Variant // default markup; "" = VariantTable
}

// Server is a fake RMS. Its state (keys, expiries, pending updates) can be
// changed while it serves; every method is safe for concurrent use.
type Server struct {
	mu       sync.Mutex
	opts     Options
	reveals  int
	updates  int
	handler  http.Handler
	pageTmpl pages
}

// New makes a fake RMS from opts (copied).
func New(opts Options) *Server {
	if !opts.Variant.valid() {
		opts.Variant = VariantTable
	}
	apps := make([]App, len(opts.Apps))
	for i, a := range opts.Apps {
		apps[i] = cloneApp(a)
	}
	opts.Apps = apps
	opts.Notifications = append([]Notification(nil), opts.Notifications...)
	s := &Server{opts: opts, pageTmpl: mustParsePages()}
	s.handler = s.routes()
	return s
}

// Handler serves all three hosts, routed by the Host header.
func (s *Server) Handler() http.Handler { return s.handler }

// Shop is the shop the pages show.
func (s *Server) Shop() Shop {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.Shop
}

// App returns a copy of the app's current state.
func (s *Server) App(id string) (App, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.find(id)
	if a == nil {
		return App{}, false
	}
	return cloneApp(*a), true
}

// Apps returns copies of every app, in list order.
func (s *Server) Apps() []App {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]App, len(s.opts.Apps))
	for i, a := range s.opts.Apps {
		out[i] = cloneApp(a)
	}
	return out
}

// Key is the app's current key ("" for an unknown app).
func (s *Server) Key(id string) string {
	a, _ := s.App(id)
	return a.Key
}

// SetKey replaces the app's key.
func (s *Server) SetKey(id, key string) { s.with(id, func(a *App) { a.Key = key }) }

// SetExpiry sets the 有効期限 as shown: "-" or 2025/05/26 (see DateIn).
func (s *Server) SetExpiry(id, expiry string) { s.with(id, func(a *App) { a.Expiry = expiry }) }

// SetUpdate makes an update pending (nil clears it).
func (s *Server) SetUpdate(id string, u *Update) {
	s.with(id, func(a *App) {
		if u == nil {
			a.Update = nil
			return
		}
		c := cloneApp(App{Update: u})
		a.Update = c.Update
	})
}

// SetVariant changes the default markup of the detail page.
func (s *Server) SetVariant(v Variant) {
	if !v.valid() {
		panic(fmt.Sprintf("rms: unknown variant %q", v))
	}
	s.mu.Lock()
	s.opts.Variant = v
	s.mu.Unlock()
}

// Reveals counts successful 確認する posts; Updates counts applied updates.
func (s *Server) Reveals() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reveals
}

func (s *Server) Updates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updates
}

func (s *Server) with(id string, f func(*App)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.find(id)
	if a == nil {
		panic(fmt.Sprintf("rms: unknown app %q", id))
	}
	f(a)
}

// find needs s.mu.
func (s *Server) find(id string) *App {
	for i := range s.opts.Apps {
		if s.opts.Apps[i].ID == id {
			return &s.opts.Apps[i]
		}
	}
	return nil
}

// URLs as the browser sees them (port 443; the resolver rules add the real port).

const portalPrefix = "/merchant-portal"

func MainMenuURL() string     { return "https://" + MainMenuHost + "/" }
func ShopInfoURL() string     { return "https://" + MainMenuHost + "/shop-info/" }
func ApplicationsURL() string { return "https://" + MainMenuHost + "/shop-info/applications" }
func ServiceListURL() string  { return "https://" + WebServiceHost + portalPrefix + "/services" }
func AppListURL() string      { return "https://" + WebServiceHost + portalPrefix + "/apps" }

// DetailURL is the masked ライセンス情報 page of app, in the server's default markup.
func DetailURL(app string) string {
	return "https://" + WebServiceHost + portalPrefix + "/apps/" + url.PathEscape(app)
}

// DetailVariantURL is DetailURL in markup v.
func DetailVariantURL(app string, v Variant) string {
	return DetailURL(app) + "?variant=" + url.QueryEscape(string(v))
}

// RevealURL is where 確認する posts.
func RevealURL(app string) string { return DetailURL(app) + "/license" }

// UpdateURL is where アップデートする posts.
func UpdateURL(app string) string { return DetailURL(app) + "/update" }

// LookalikeURL is the evil.example page; helperPort, when not 0, is the
// port its script also tries to open a WebSocket to.
func LookalikeURL(helperPort int) string {
	u := "https://" + LookalikeHost + "/"
	if helperPort != 0 {
		u += fmt.Sprintf("?port=%d", helperPort)
	}
	return u
}

// ResolverRules is the value of Chromium's --host-resolver-rules that sends
// every host of the fake to addr (127.0.0.1:port).
func ResolverRules(addr string) string {
	rules := ""
	for i, h := range Hosts {
		if i > 0 {
			rules += ", "
		}
		rules += "MAP " + h + " " + addr
	}
	return rules
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}
