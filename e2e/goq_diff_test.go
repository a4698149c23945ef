//go:build demo

package e2e_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/fakes/tlsfake"
	"keyrelay/internal/goq"
	"keyrelay/internal/keyrelay"
)

// goqHost is GoQ's real host name: Chromium resolves it to the fake
// (--host-resolver-rules) and trusts only the fake's throwaway certificate
// for it, and the Go client dials the fake for it, so both post to the same
// origin and resolve the same relative actions.
const goqHost = "order.goqsystem.com"

const diffKey = "SL100001_NEWkeyQwErTy1234"

// switchHandler serves whichever fake the test currently points it at: the
// browser keeps one address for the whole test.
type switchHandler struct {
	mu sync.Mutex
	h  http.Handler
}

func (s *switchHandler) set(h http.Handler) {
	s.mu.Lock()
	s.h = h
	s.mu.Unlock()
}

func (s *switchHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	h := s.h
	s.mu.Unlock()
	h.ServeHTTP(w, r)
}

type goqDiffEnv struct {
	addr  string
	certs *tlsfake.Certs
	sw    *switchHandler
	ctx   context.Context // the browser tab
}

func startGoQDiff(t *testing.T) *goqDiffEnv {
	t.Helper()
	certs, err := tlsfake.New(goqHost)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sw := &switchHandler{h: http.NotFoundHandler()}
	srv := &http.Server{Handler: sw, TLSConfig: certs.Server, ReadHeaderTimeout: 10 * time.Second}
	go srv.ServeTLS(ln, "", "")
	t.Cleanup(func() { srv.Close() })
	addr := ln.Addr().String()

	// No extension: Chromium itself types the key and clicks the button.
	// HttpsUpgrades off so a page's http:// action stays what it says.
	br := startBrowser(t, browserOptions{Flags: map[string]string{
		"disable-features":                    "Translate,MediaRouter,OptimizationHints,HttpsUpgrades",
		"lang":                                "ja",
		"host-resolver-rules":                 "MAP " + goqHost + " " + addr,
		"ignore-certificate-errors-spki-list": certs.SPKIHash,
	}})
	return &goqDiffEnv{addr: addr, certs: certs, sw: sw, ctx: br.ctx}
}

// browserSave opens the corpus page in Chromium as a logged-in operator,
// puts the key into the field (and its twins) and clicks the save button.
func (e *goqDiffEnv) browserSave(t *testing.T, p fakegoq.CorpusPage) fakegoq.CorpusPost {
	t.Helper()
	fake := fakegoq.New(fakegoq.Options{CorpusPage: p.Name})
	e.sw.set(fake.Handler())
	sid := fake.NewAuthedSession()
	ctx, cancel := context.WithTimeout(e.ctx, extTimeout)
	defer cancel()
	// The operator selects the field's text and types the key over it.
	fill := func(sel string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.focus(); e.select(); return true })()`, sel))(ctx, tg)
			if err != nil {
				return err
			}
			_, err = cdp.Call(ctx, tg, input.InsertText, input.InsertTextParams{Text: diffKey})
			return err
		})
	}
	yes := true
	actions := []chromedp.Action[chromedp.Void]{
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{Name: fakegoq.SessionCookie, Value: sid,
				Domain: goqHost, Path: fakegoq.BasePath, Secure: &yes, HTTPOnly: &yes})
			return err
		}),
		chromedp.Navigate("https://" + goqHost + fakegoq.SettingsPath),
		chromedp.WaitReady(chromedp.CSS(p.KeySelector)),
		fill(p.KeySelector),
	}
	for _, s := range p.TwinSelectors {
		actions = append(actions, fill(s))
	}
	actions = append(actions, chromedp.Click(chromedp.CSS(p.SaveSelector)))
	steps := []string{"set the session cookie", "open the page", "wait for the key field", "type the key"}
	for range p.TwinSelectors {
		steps = append(steps, "type the key again")
	}
	steps = append(steps, "click the save button")
	for i, a := range actions {
		if err := chromedp.Do(ctx, a); err != nil {
			t.Fatalf("Chromium on %s: %s: %v", p.Name, steps[i], err)
		}
	}
	for {
		if posts := fake.CorpusPosts(); len(posts) > 0 {
			if len(posts) != 1 {
				t.Fatalf("Chromium posted %d times", len(posts))
			}
			// Let the answer load, then leave it, before the next page's
			// fake takes over the address.
			for {
				loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(
					`location.pathname !== %q && document.readyState === 'complete'`, fakegoq.SettingsPath)))
				if err == nil && loaded {
					break
				}
				select {
				case <-ctx.Done():
					t.Fatalf("Chromium never finished loading the answer to %s's save", p.Name)
				case <-time.After(20 * time.Millisecond):
				}
			}
			if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
				t.Fatalf("Chromium leaving %s: %v", p.Name, err)
			}
			return posts[0]
		}
		select {
		case <-ctx.Done():
			t.Fatalf("Chromium's save of %s never reached the fake", p.Name)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// clientSave delivers the key with the Go client to a fresh fake serving
// the same page.
func (e *goqDiffEnv) clientSave(t *testing.T, p fakegoq.CorpusPage) (*fakegoq.Server, error) {
	t.Helper()
	fake := fakegoq.New(fakegoq.Options{CorpusPage: p.Name})
	e.sw.set(fake.Handler())
	c := goq.New(goq.WithTransport(e.certs.Client(e.addr).Transport), goq.WithGETRetries(0, 0))
	ctx, cancel := context.WithTimeout(context.Background(), extTimeout)
	defer cancel()
	_, err := c.Deliver(ctx, keyrelay.DeliveryRequest{Key: diffKey, Creds: &keyrelay.Credentials{
		Destination: "goq", BaseURL: goq.DefaultBaseURL, LoginID: fakegoq.DefaultLoginID, Password: fakegoq.DefaultPassword}})
	return fake, err
}

// normalise masks what legitimately differs between two saves: the session's
// token, the multipart boundary, and where on the image button (if the save
// button is one) the click landed.
func normalise(p fakegoq.CorpusPost, page fakegoq.CorpusPage) (path, ct string, body []byte) {
	path = strings.ReplaceAll(p.Path, p.CSRF, "{{CSRF}}")
	body = bytes.ReplaceAll(p.Body, []byte(p.CSRF), []byte("{{CSRF}}"))
	ct = p.ContentType
	if mt, params, err := mime.ParseMediaType(ct); err == nil && mt == "multipart/form-data" {
		body = bytes.ReplaceAll(body, []byte(params["boundary"]), []byte("BOUNDARY"))
		ct = mt + "; boundary=BOUNDARY"
	} else if page.ImageButton != "" {
		coords := regexp.MustCompile(`(^|&)(` + regexp.QuoteMeta(url.QueryEscape(page.ImageButton)) + `\.[xy])=[0-9]+`)
		body = coords.ReplaceAll(body, []byte("$1$2=0"))
	}
	return path, ct, body
}

// TestGoQDifferential: for every page of the corpus, real Chromium and the
// Go client each put the key into the field and press the save button; the
// fake must receive byte for byte the same request from both (tokens,
// multipart boundaries and image-click coordinates masked). The Go client
// posts once, the key arrives byte-exact (twins too), a validation message
// comes back verbatim as EREJECTED, and the pages that cannot be posted
// safely are refused with their reason and get no POST.
func TestGoQDifferential(t *testing.T) {
	e := startGoQDiff(t)
	for _, p := range fakegoq.CorpusPages() {
		t.Run(p.Name, func(t *testing.T) {
			if p.Refuse != "" {
				fake, err := e.clientSave(t, p)
				if keyrelay.ErrorCode(err) != keyrelay.EINVALID {
					t.Fatalf("error %v, want the page refused", err)
				}
				if _, en := keyrelay.ErrorMessage(err); !strings.Contains(en, p.Refuse) {
					t.Errorf("reason %q does not name %q", en, p.Refuse)
				}
				if n := len(fake.CorpusPosts()); n != 0 {
					t.Errorf("%d POSTs to a page that cannot be posted safely", n)
				}
				return
			}
			browser := e.browserSave(t, p)
			fake, err := e.clientSave(t, p)
			if p.Reject != "" {
				var kerr *keyrelay.Error
				if !errors.As(err, &kerr) || kerr.Code != keyrelay.EREJECTED || kerr.Quote != p.Reject {
					t.Errorf("error %v, want EREJECTED quoting %q", err, p.Reject)
				}
			} else if err != nil {
				t.Fatalf("Deliver: %v", err)
			}
			posts := fake.CorpusPosts()
			if len(posts) != 1 {
				t.Fatalf("the Go client posted %d times, want once", len(posts))
			}
			bp, bct, bb := normalise(browser, p)
			gp, gct, gb := normalise(posts[0], p)
			if bp != gp {
				t.Errorf("action: Chromium %q, Go %q", bp, gp)
			}
			if bct != gct {
				t.Errorf("content type: Chromium %q, Go %q", bct, gct)
			}
			if !bytes.Equal(bb, gb) {
				t.Errorf("bodies differ\nChromium: %q\nGo:       %q", bb, gb)
			}
			vals, err := decodeSave(posts[0])
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range append([]string{p.KeyField}, p.Twins...) {
				if got := vals[f]; len(got) != 1 || got[0] != diffKey {
					t.Errorf("%s = %q, want exactly the key", f, got)
				}
			}
			if p.Reject == "" && fake.StoredKey() != diffKey {
				t.Errorf("stored key %q", fake.StoredKey())
			}
		})
	}
}

func decodeSave(p fakegoq.CorpusPost) (map[string][]string, error) {
	req, err := http.NewRequest(http.MethodPost, "https://"+goqHost+p.Path, bytes.NewReader(p.Body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", p.ContentType)
	if strings.HasPrefix(p.ContentType, "multipart/") {
		if err := req.ParseMultipartForm(1 << 20); err != nil {
			return nil, err
		}
		return req.MultipartForm.Value, nil
	}
	if err := req.ParseForm(); err != nil {
		return nil, err
	}
	return req.PostForm, nil
}

// charRefFragments are the pieces the character-reference cases are built
// from: legacy references with and without ";", followed by "=", an
// alphanumeric or nothing; numeric references at and beyond the edges
// (NUL, C1 controls remapped to windows-1252, surrogates, beyond U+10FFFF);
// and plain text, quotes and line breaks around them.
var charRefFragments = []string{
	"&amp", "&amp;", "&AMP;", "&ampx", "&amp=", "&amp;=", "&not", "&notin", "&notin;", "&notit;", "&noti", "&copy",
	"&copy=", "&copy2", "&copy;", "&lt", "&lt;", "&gt=", "&#65", "&#65;", "&#x41", "&#X41;", "&#x", "&#;", "&#0;",
	"&#128;", "&#x9F;", "&#x81;", "&#xD800;", "&#x110000;", "&#99999999999;", "&#x1F600;", "&", "&;", "&a", "&zz;",
	"&frac12", "&frac12;", "&frac12=", "&Aacute", "&aacute;x", "&thetasym;", "&NotEqualTilde;", "&nbsp", "&nbsp;a",
	"&ampamp;", "&&amp;", "&#10;", "&#13;", "&#x0D;&#x0A;", "\r\n", "\r", "\n", "=", "'", "\"", " ", "a", "日", "\t",
	"&lang;", "&langle;", "&LT", "&gtx", "&#x000041;", "&#0065", "&#x7f;", "&#xFDD0;", "&#1114111;",
}

// TestCharRefDifferential compares, for a fixed set of generated cases,
// the values Chromium's DOM holds with those of the Go client's parser:
// attribute values (double-, single- and unquoted), textarea text, and an
// option's value taken from its text. The
// cases come from a fixed seed, so the test is the same on every run; the
// Go fuzz target FuzzParse explores further without a browser.
func TestCharRefDifferential(t *testing.T) {
	e := startGoQDiff(t)
	rnd := rand.New(rand.NewPCG(13, 2026))
	var page strings.Builder
	page.WriteString("<!DOCTYPE html><meta charset=utf-8><title>refs</title><form>\n")
	var cases []string
	for i := 0; i < 400; i++ {
		var v strings.Builder
		for n := 1 + rnd.IntN(3); n > 0; n-- {
			v.WriteString(charRefFragments[rnd.IntN(len(charRefFragments))])
		}
		s := v.String()
		switch i % 5 {
		case 4:
			// An option without value= has its text as value, ASCII white
			// space stripped and collapsed.
			fmt.Fprintf(&page, "<select><option>%s</option></select>\n", s)
		case 0:
			if strings.Contains(s, `"`) {
				continue
			}
			fmt.Fprintf(&page, "<input type=hidden value=\"%s\">\n", s)
		case 1:
			if strings.Contains(s, "'") {
				continue
			}
			fmt.Fprintf(&page, "<input type=hidden value='%s'>\n", s)
		case 2:
			if strings.ContainsAny(s, " \t\r\n\"'=<>`") {
				continue
			}
			fmt.Fprintf(&page, "<input type=hidden value=%s>\n", s)
		case 3:
			fmt.Fprintf(&page, "<textarea>%s</textarea>\n", s)
		}
		cases = append(cases, s)
	}
	page.WriteString("</form>")
	src := page.String()
	e.sw.set(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, src)
	}))
	ctx, cancel := context.WithTimeout(e.ctx, extTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate("https://"+goqHost+"/refs")); err != nil {
		t.Fatal(err)
	}
	browser, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('input, textarea, select')].map(e =>
			e.tagName === 'INPUT' ? e.getAttribute('value') : e.tagName === 'SELECT' ? e.options[0].value : e.defaultValue)`))
	if err != nil {
		t.Fatal(err)
	}
	ours := goq.ParsedValues(src)
	if len(browser) != len(cases) || len(ours) != len(cases) {
		t.Fatalf("%d cases, Chromium has %d values, the parser %d", len(cases), len(browser), len(ours))
	}
	diffs := 0
	for i := range cases {
		if browser[i] != ours[i] {
			diffs++
			t.Errorf("case %q: Chromium %q, parser %q", cases[i], browser[i], ours[i])
		}
	}
	t.Logf("%d cases compared, %d differ", len(cases), diffs)
}
