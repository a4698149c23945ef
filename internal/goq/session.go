package goq

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html"

	"keyrelay/internal/keyrelay"
)

// maxPage bounds how much of one answer is read.
const maxPage = 4 << 20

// session is one login to GoQ: a cookie jar and the budget of re-logins and
// re-posts one Deliver may spend.
type session struct {
	c             *Client
	hc            *http.Client
	base          *url.URL
	loginURL      *url.URL
	settingsURL   *url.URL
	home          *url.URL // the page GoQ showed after the login
	found         *url.URL // where the key field was found in this session
	loginID, pass string
	relogins      int
}

// page is one answer, after redirects.
type page struct {
	url         *url.URL
	status      int
	contentType string
	raw         []byte
	doc         *document
	decodeErr   error
}

// document parses the page once. A page that cannot be decoded yields an
// empty document; parse reports why.
func (p *page) document() *document {
	d, _ := p.parse()
	return d
}

func (p *page) parse() (*document, error) {
	if p.doc == nil {
		text, cs, err := decodePage(p.raw, p.contentType)
		if err != nil {
			p.decodeErr = err
			p.doc = &document{root: &html.Node{Type: html.DocumentNode}, byID: map[string]*html.Node{}, text: string(p.raw)}
		} else {
			p.doc = parseDocument(text)
			p.doc.charset = cs
		}
	}
	return p.doc, p.decodeErr
}

// loginForm returns the page's login form: a form with a password field and
// either a login_id field or a URL that says login. The second condition
// keeps a settings form with a password-type field from looking like one.
func (p *page) loginForm() *form {
	for _, f := range p.document().forms {
		if !f.isLoginForm() {
			continue
		}
		if strings.Contains(strings.ToLower(p.url.Path), "login") {
			return f
		}
		for _, c := range f.controls {
			if c.name == "login_id" || c.id == "login_id" {
				return f
			}
		}
	}
	return nil
}

func (p *page) maintenance() bool {
	return strings.Contains(p.document().text, "メンテナンス")
}

func (c *Client) newSession(creds *keyrelay.Credentials) (*session, error) {
	if creds == nil || creds.LoginID == "" || creds.Password == "" {
		return nil, errNoCredentials()
	}
	raw := strings.TrimSpace(creds.BaseURL)
	if raw == "" {
		raw = DefaultBaseURL
	}
	base, err := url.Parse(raw)
	if err != nil || base.Host == "" || base.User != nil {
		return nil, keyrelay.Errorf(keyrelay.EINVALID,
			"GoQSystem のURLが正しくありません。", "The GoQSystem URL is not valid.")
	}
	switch {
	case base.Scheme == "https":
	case base.Scheme == "http" && c.loopbackHTTP && isLoopbackHost(base.Hostname()):
	default:
		return nil, keyrelay.Errorf(keyrelay.EINVALID,
			"GoQSystem のURLは https:// で始まる必要があります。", "The GoQSystem URL must start with https://.")
	}
	// Stored settings are checked again here, not only where they are
	// typed: the key and password go only to GoQSystem's hosts (or loopback).
	if err := CheckBaseURL(raw); err != nil {
		return nil, err
	}
	base.RawQuery, base.Fragment = "", ""
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	jar, _ := cookiejar.New(nil) // error is always nil without options
	s := &session{c: c, base: base, loginID: creds.LoginID, pass: creds.Password}
	s.loginURL = base.ResolveReference(&url.URL{Path: c.loginPath})
	settingsPath := c.settingsPath
	if p := strings.TrimSpace(creds.SettingsPath); p != "" {
		settingsPath = strings.TrimPrefix(p, "/")
	}
	ref, err := url.Parse(settingsPath)
	if err != nil || ref.Scheme != "" || ref.Host != "" {
		return nil, keyrelay.Errorf(keyrelay.EINVALID,
			"GoQSystem の設定画面のパスが正しくありません。", "The GoQSystem settings path is not valid.")
	}
	s.settingsURL = base.ResolveReference(ref)
	s.home = base
	s.hc = &http.Client{Transport: c.transport, Jar: jar, Timeout: c.requestTimeout, CheckRedirect: s.checkRedirect}
	return s, nil
}

// checkRedirect follows redirects on GoQ's own origin only: a redirect
// elsewhere could carry the session or lead a POST of the key off-site.
func (s *session) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return keyrelay.Errorf(keyrelay.EUNAVAILABLE,
			"GoQSystem のリダイレクトが多すぎます。", "GoQSystem redirected too many times.")
	}
	if !sameOrigin(req.URL, s.base) {
		return keyrelay.Errorf(keyrelay.EINVALID,
			"GoQSystem が別のサイトへ転送しようとしたため、中止しました。",
			"GoQSystem redirected to another site; keyrelay stopped there.")
	}
	return nil
}

func isLoopbackHost(h string) bool {
	return h == "127.0.0.1" || h == "::1" || strings.EqualFold(h, "localhost")
}

// do sends one request and reads the answer. A transport failure becomes an
// EUNAVAILABLE error naming the step; statuses are the caller's to judge.
func (s *session) do(ctx context.Context, st step, method string, u *url.URL, sub *submission, referer *url.URL) (*page, error) {
	var body io.Reader
	if sub != nil {
		body = bytes.NewReader(sub.body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", userAgent())
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
	req.Header.Set("Accept-Language", "ja,en;q=0.7")
	if sub != nil {
		req.Header.Set("Content-Type", sub.contentType)
		req.Header.Set("Origin", u.Scheme+"://"+u.Host)
	}
	if referer != nil {
		req.Header.Set("Referer", referer.String())
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return nil, errTransport(ctx, st, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxPage+1))
	if err != nil {
		return nil, errTransport(ctx, st, err)
	}
	if len(b) > maxPage {
		return nil, stepErrorf(st, keyrelay.EINVALID,
			"GoQSystem の画面が大きすぎます（%s）。", "The GoQSystem page is too large (%s).")
	}
	if len(bytes.TrimSpace(b)) == 0 && resp.StatusCode < 300 {
		// An empty page is a cut-off answer (proxy, restart), not a page
		// without a form: worth a retry, not the operator's attention.
		return nil, stepErrorf(st, keyrelay.EUNAVAILABLE,
			"GoQSystem から空の応答が返りました（%s）。", "GoQSystem sent an empty answer (%s).")
	}
	return &page{url: resp.Request.URL, status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), raw: b}, nil
}

// get fetches u, retrying a few times on answers that say "try again" (500,
// 502, 504, no answer). A GET changes nothing, so a retry is safe; a POST is
// never retried here.
func (s *session) get(ctx context.Context, st step, u *url.URL) (*page, error) {
	wait := s.c.retryWait
	for attempt := 0; ; attempt++ {
		p, err := s.do(ctx, st, http.MethodGet, u, nil, nil)
		transient := err != nil && keyrelay.ErrorCode(err) == keyrelay.EUNAVAILABLE && ctx.Err() == nil && !certError(err) ||
			err == nil && (p.status == 500 || p.status == 502 || p.status == 504)
		if !transient || attempt >= s.c.getRetries {
			if err == nil && p.status >= 400 {
				if p.status == 503 && p.maintenance() {
					return p, errMaintenance()
				}
				return p, errStatus(st, p.status)
			}
			return p, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, errTransport(ctx, st, ctx.Err())
		case <-t.C:
		}
		wait *= 2
	}
}

// post submits sub once. The answer's status is judged here; whether the
// answer is the login page is the caller's business.
func (s *session) post(ctx context.Context, st step, sub *submission, from *url.URL) (*page, error) {
	p, err := s.do(ctx, st, http.MethodPost, sub.url, sub, from)
	if err != nil {
		return nil, err
	}
	if p.status >= 400 {
		if p.status == 503 && p.maintenance() {
			return p, errMaintenance()
		}
		return p, errStatus(st, p.status)
	}
	return p, nil
}

// login opens the login page and submits its form with the credentials.
func (s *session) login(ctx context.Context) error {
	p, err := s.get(ctx, stepLogin, s.loginURL)
	if err != nil {
		return err
	}
	f := p.loginForm()
	if f == nil {
		if p.maintenance() {
			return errMaintenance()
		}
		return errLoginFormNotFound()
	}
	var user, pw *control
	for _, c := range f.controls {
		switch {
		case c.tag == "input" && c.typ == "password":
			if pw == nil {
				pw = c
			}
		case c.name == "login_id" || c.id == "login_id":
			user = c
		}
	}
	if user == nil {
		// No login_id: the text field just before the password is the user name.
		for _, c := range f.controls {
			if c.tag == "input" && c.typ == "password" {
				break
			}
			if textLike(c) && c.tag == "input" {
				user = c
			}
		}
	}
	if user == nil {
		return errLoginFormNotFound()
	}
	set := map[*control]string{user: s.loginID, pw: s.pass}
	sub, err := buildSubmission(p.document(), p.url, f, set, chooseLoginButton(f))
	if err != nil {
		return err
	}
	r, err := s.post(ctx, stepLoginPost, sub, p.url)
	if err != nil {
		var kerr *keyrelay.Error
		if errors.As(err, &kerr) && kerr.Code == keyrelay.EFORBIDDEN {
			// A 403 to a login is a stale login token, not a permission.
			return stepErrorf(stepLoginPost, keyrelay.EUNAVAILABLE,
				"GoQSystem がログインを一時的に拒否しました（%s、HTTP 403）。", "GoQSystem turned the login away (%s, HTTP 403).")
		}
		return err
	}
	if r.loginForm() != nil {
		return errLoginRefused()
	}
	s.home = r.url
	return nil
}

// relogin logs in again after GoQ bounced a request to the login page. One
// Deliver gets one; a session that keeps expiring is GoQ's trouble.
func (s *session) relogin(ctx context.Context) error {
	if s.relogins >= 1 {
		return errSessionLoop()
	}
	s.relogins++
	return s.login(ctx)
}

// open fetches the settings page and finds the key field, logging in again
// once if GoQ answers with the login page. The configured path is a
// shortcut, used only when the page it opens has the key's label; otherwise
// the seed's menu route is followed by link text from the page after login.
func (s *session) open(ctx context.Context) (*page, *keyField, error) {
	if s.found != nil {
		return s.openAt(ctx, s.found)
	}
	p, kf, err := s.openAt(ctx, s.settingsURL)
	if err == nil {
		s.found = p.url
		return p, kf, nil
	}
	if !wrongPage(err) {
		return nil, nil, err
	}
	rp, rkf, rerr := s.followRoute(ctx)
	if rerr != nil {
		if wrongPage(rerr) {
			return nil, nil, err // the shortcut's reason is the clearer one
		}
		return nil, nil, rerr
	}
	s.found = rp.url
	return rp, rkf, nil
}

// wrongPage reports whether err says the page opened is not the WEBAPI
// settings page (no form, no label, 404), so that another way there is
// worth trying.
func wrongPage(err error) bool {
	if errors.Is(err, errNotSettingsPage) {
		return true
	}
	return keyrelay.ErrorCode(err) == keyrelay.ENOTFOUND
}

// openAt fetches u (logging in again once if needed) and finds the key field.
func (s *session) openAt(ctx context.Context, u *url.URL) (*page, *keyField, error) {
	p, err := s.getAuthed(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	d, err := p.parse()
	if err != nil {
		return nil, nil, err
	}
	kf, err := findKeyField(d)
	if err != nil {
		if p.maintenance() {
			return nil, nil, errMaintenance()
		}
		return nil, nil, err
	}
	if err := kf.prepare(); err != nil {
		return nil, nil, err
	}
	return p, kf, nil
}

// getAuthed is get, logging in again once when GoQ answers with the login
// page.
func (s *session) getAuthed(ctx context.Context, u *url.URL) (*page, error) {
	p, err := s.get(ctx, stepOpen, u)
	if err != nil {
		return nil, err
	}
	if p.loginForm() != nil {
		if err := s.relogin(ctx); err != nil {
			return nil, err
		}
		if p, err = s.get(ctx, stepOpen, u); err != nil {
			return nil, err
		}
		if p.loginForm() != nil {
			return nil, errSessionLoop()
		}
	}
	return p, nil
}
