// Package goq delivers a license key to GoQSystem: it logs in, opens
// 受注管理 → 各種設定 → モール詳細設定 → 楽天市場 → WEBAPI設定 (the configured
// path as a shortcut, else by link text), puts the key into the field
// labelled 「RMS Service Square ライセンスキー」 (and its confirmation twin),
// presses the save button it finds by name, submitting exactly what a browser
// would (every other field as GoQ rendered it, in the page's charset), and
// reads the page again to verify the save. A validation message in GoQ's
// answer ends the delivery with EREJECTED quoting it. docs/GOQ.md has the
// rules.
//
// Exactly-once rests on read-before-write: every Deliver first reads the
// stored value and posts nothing if it already is the key, so a retry after
// an answer that got lost cannot post twice. Within one Deliver the key is
// posted once; a second POST happens only when the first was provably not
// processed (answered with the login page or a 403 token error) and a fresh
// read shows the key is still not stored.
//
// Read-before-write needs GoQ to show the stored key. When it does not
// (masked, blank, a password field), Deliver posts once and, unless the
// page then shows the key, fails with ErrUnverifiable, which the outbox does
// not retry: the operator checks GoQ instead of keyrelay posting blind.
package goq

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"time"

	"keyrelay/internal/keyrelay"
)

// DefaultBaseURL is GoQSystem's order management, used when the credentials
// name no base URL.
const DefaultBaseURL = "https://order.goqsystem.com/goq21/"

// Paths below the base URL. They are our best knowledge of GoQ's layout
// (the fake serves them); options override them.
const (
	DefaultLoginPath    = "login"
	DefaultSettingsPath = "setting/mall/rakuten/webapi"
)

// Name is the destination's name in the outbox.
const Name = "goq"

// Client is the GoQSystem destination. It holds no session between calls:
// every Deliver and TestConnection logs in afresh.
type Client struct {
	transport      http.RoundTripper
	rootCAs        *x509.CertPool
	loopbackHTTP   bool
	requestTimeout time.Duration
	getRetries     int
	retryWait      time.Duration
	loginPath      string
	settingsPath   string
}

var _ keyrelay.Destination = (*Client)(nil)

// Option configures a Client.
type Option func(*Client)

// WithRootCAs trusts pool instead of the system roots (the fake's CA in tests
// and the demo). Certificates are still checked.
func WithRootCAs(pool *x509.CertPool) Option { return func(c *Client) { c.rootCAs = pool } }

// WithLoopbackHTTP allows a plain http:// base URL when its host is
// 127.0.0.1, ::1 or localhost. Any other http:// URL is still refused.
func WithLoopbackHTTP() Option { return func(c *Client) { c.loopbackHTTP = true } }

// WithTransport replaces the HTTP transport, e.g. one that dials the fake
// for order.goqsystem.com. It overrides WithRootCAs.
func WithTransport(rt http.RoundTripper) Option { return func(c *Client) { c.transport = rt } }

// WithRequestTimeout bounds each request (default 20 s). The caller's ctx
// bounds the whole call.
func WithRequestTimeout(d time.Duration) Option { return func(c *Client) { c.requestTimeout = d } }

// WithGETRetries sets how often a GET answered with 500/502/504 or not at
// all is retried within one call (default 2), waiting wait, then twice
// that, and so on (default 250 ms).
func WithGETRetries(n int, wait time.Duration) Option {
	return func(c *Client) { c.getRetries, c.retryWait = n, wait }
}

// WithPaths overrides the login and settings paths, relative to the base URL.
func WithPaths(login, settings string) Option {
	return func(c *Client) { c.loginPath, c.settingsPath = login, settings }
}

// New returns a Client.
func New(opts ...Option) *Client {
	c := &Client{requestTimeout: 20 * time.Second, getRetries: 2, retryWait: 250 * time.Millisecond,
		loginPath: DefaultLoginPath, settingsPath: DefaultSettingsPath}
	for _, o := range opts {
		o(c)
	}
	if c.transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{RootCAs: c.rootCAs, MinVersion: tls.VersionTLS12}
		t.Proxy = nil // a proxy from the environment would see the GoQ password's host and timing
		c.transport = t
	}
	return c
}

func (c *Client) Name() string { return Name }

func userAgent() string { return "keyrelay/" + keyrelay.Version + " (+GoQ key relay)" }

// Deliver puts req.Key into GoQ and verifies it. With req.DryRun it logs in,
// reads the form and reports what would change (Status DeliveryPending and
// Changes [KeyLabel], or DeliveryAlreadyCurrent), posting nothing.
func (c *Client) Deliver(ctx context.Context, req keyrelay.DeliveryRequest) (res keyrelay.DeliveryResult, err error) {
	pass := ""
	if req.Creds != nil {
		pass = req.Creds.Password
	}
	defer func() { err = scrub(err, req.Key, pass) }()
	if err := keyrelay.ValidateKey(req.Key); err != nil {
		return res, err
	}
	s, err := c.newSession(req.Creds)
	if err != nil {
		return res, err
	}
	if err := s.login(ctx); err != nil {
		return res, err
	}
	p, kf, err := s.open(ctx)
	if err != nil {
		return res, err
	}
	last4 := keyrelay.KeyLast4(req.Key)
	if kf.ctl.value == req.Key {
		return alreadyCurrent(last4), nil
	}
	if req.DryRun {
		return keyrelay.DeliveryResult{Status: keyrelay.DeliveryPending, Changes: []string{KeyLabel},
			Detail: "（確認のみ）GoQSystem の「" + KeyLabel + "」を末尾4桁 " + last4 + " のキーに更新します。他の項目は変更しません。" +
				" / (dry run) Would set 「" + KeyLabel + "」 to the key ending " + last4 + "; nothing else changes."}, nil
	}
	return s.save(ctx, p, kf, req.Key)
}

// save posts the form with the key and verifies it; see the package comment
// for when it may post a second time.
func (s *session) save(ctx context.Context, p *page, kf *keyField, key string) (keyrelay.DeliveryResult, error) {
	last4 := keyrelay.KeyLast4(key)
	var before, answer *page // the page the key was posted from, and GoQ's answer
	for reposted := false; ; reposted = true {
		// When GoQ did not show the stored key before this post, neither a
		// look now nor a later Deliver can tell whether the post landed; a
		// post with an unknown outcome then ends with ErrUnverifiable,
		// never with an error the outbox would retry by posting again.
		hidden := !shown(kf.ctl)
		before = p
		var err error
		answer, err = s.submitKey(ctx, p, kf, key)
		if keyrelay.ErrorCode(err) == keyrelay.EREJECTED {
			// GoQ said why it refused the key: that is the outcome.
			return keyrelay.DeliveryResult{}, err
		}
		loginAnswer := err == nil && answer.loginForm() != nil
		unprocessed := loginAnswer || keyrelay.ErrorCode(err) == keyrelay.EFORBIDDEN
		if err == nil && !unprocessed {
			break
		}
		if !unprocessed {
			// 5xx, timeout, lost answer: the save may or may not have
			// happened. Look, but never post again in this call.
			if ctx.Err() == nil && keyrelay.ErrorCode(err) == keyrelay.EUNAVAILABLE {
				if _, now, rerr := s.open(ctx); rerr == nil {
					if now.ctl.value == key {
						return delivered(last4), nil
					}
					hidden = hidden || !shown(now.ctl)
				}
				if hidden {
					return keyrelay.DeliveryResult{}, errUnverifiable(last4, err)
				}
			}
			return keyrelay.DeliveryResult{}, err
		}
		// Not processed (session gone, or token refused): read afresh and
		// post once more only if the key is still not there. A login page
		// can also answer a save that was stored just before the session
		// ended, so after one the key must be visible to decide.
		var rerr error
		if p, kf, rerr = s.open(ctx); rerr != nil {
			if loginAnswer && hidden {
				return keyrelay.DeliveryResult{}, errUnverifiable(last4, rerr)
			}
			return keyrelay.DeliveryResult{}, rerr
		}
		if kf.ctl.value == key {
			return delivered(last4), nil
		}
		if loginAnswer && (hidden || !shown(kf.ctl)) {
			return keyrelay.DeliveryResult{}, errUnverifiable(last4, nil)
		}
		if reposted {
			if err != nil {
				return keyrelay.DeliveryResult{}, err
			}
			return keyrelay.DeliveryResult{}, errSessionLoop()
		}
	}
	_, now, err := s.open(ctx)
	if err != nil {
		if !shown(kf.ctl) {
			// The save was answered, so it most likely landed; a retry
			// could not see it and would post again.
			return keyrelay.DeliveryResult{}, errUnverifiable(last4, err)
		}
		return keyrelay.DeliveryResult{}, err
	}
	if now.ctl.value != key {
		if !shown(now.ctl) {
			return keyrelay.DeliveryResult{}, errUnverifiable(last4, nil)
		}
		// The key did not stick. If GoQ answered with the form again and
		// text that was not there before, that text is most likely why
		// (a validation message in markup validationMessage does not
		// know): quote it rather than report an ignored save.
		if msg := newText(before, answer, key); msg != "" {
			return keyrelay.DeliveryResult{}, errRejected(msg)
		}
		return keyrelay.DeliveryResult{}, errVerifyMismatch()
	}
	return delivered(last4), nil
}

// submitKey presses the save button of the form the key field belongs to,
// with the key in the field and its confirmation twins and every other
// control as rendered. An answer that shows a validation message is
// EREJECTED, quoting GoQ.
func (s *session) submitKey(ctx context.Context, p *page, kf *keyField, key string) (*page, error) {
	set := map[*control]string{kf.ctl: key}
	for _, t := range kf.twins {
		set[t] = key
	}
	sub, err := buildSubmission(p.document(), p.url, kf.ctl.form, set, kf.submitter)
	if err != nil {
		return nil, err
	}
	answer, err := s.post(ctx, stepSave, sub, p.url)
	// A login page in answer means the save was not processed (the caller
	// decides what then); its "please log in" box is not GoQ refusing the key.
	// A normal answer counts only when it is the form again (GoQ shows its
	// validation messages on the form; a notice box on the next step's page
	// is not about the key). A 400 or 422 counts as it is.
	if answer != nil && answer.loginForm() == nil && (err == nil && answer.showsKeyField() || err != nil && (answer.status == 400 || answer.status == 422)) {
		if msg := validationMessage(answer, key); msg != "" {
			return answer, errRejected(msg)
		}
	}
	return answer, err
}

func delivered(last4 string) keyrelay.DeliveryResult {
	return keyrelay.DeliveryResult{Status: keyrelay.DeliveryDelivered, Changes: []string{KeyLabel},
		Detail: "GoQSystem の「" + KeyLabel + "」を更新し、保存されたことを確認しました（末尾4桁: " + last4 + "）。" +
			" / Updated 「" + KeyLabel + "」 on GoQSystem and verified it (last 4: " + last4 + ")."}
}

func alreadyCurrent(last4 string) keyrelay.DeliveryResult {
	return keyrelay.DeliveryResult{Status: keyrelay.DeliveryAlreadyCurrent,
		Detail: "GoQSystem には既にこのキー（末尾4桁: " + last4 + "）が設定されています。送信していません。" +
			" / GoQSystem already holds this key (last 4: " + last4 + "); nothing was posted."}
}

// DryRun is Deliver with req.DryRun set.
func (c *Client) DryRun(ctx context.Context, req keyrelay.DeliveryRequest) (keyrelay.DeliveryResult, error) {
	req.DryRun = true
	return c.Deliver(ctx, req)
}

// TestConnection logs in and finds the key field, changing nothing.
func (c *Client) TestConnection(ctx context.Context, creds *keyrelay.Credentials) (err error) {
	if creds != nil {
		defer func() { err = scrub(err, creds.Password) }()
	}
	s, err := c.newSession(creds)
	if err != nil {
		return err
	}
	if err := s.login(ctx); err != nil {
		return err
	}
	_, _, err = s.open(ctx)
	return err
}
