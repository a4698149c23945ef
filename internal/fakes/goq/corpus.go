//go:build demo

package goq

import (
	"bytes"
	"embed"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
)

// The corpus is a set of WEBAPI設定 pages written the way Japanese business
// back offices are (legacy PHP tables, CakePHP, Rails, Bootstrap, HTML4,
// Shift_JIS and EUC-JP...), each in a file under corpus/. With
// Options.CorpusPage set, the fake serves that page at SettingsPath instead
// of its own form, and treats a POST to any other path below BasePath as the
// page's save: it records the raw request (CorpusPosts), stores the value of
// the page's key field, and answers like the page's server would.
//
// The files are UTF-8; Charset says how the page is served. Placeholders:
// {{CSRF}} the session's token, {{KEY}} the stored key, {{ERROR}} where the
// page shows a validation message (empty unless the save was rejected).
//
//go:embed corpus/*.html
var corpusFS embed.FS

// CorpusPage describes one page of the corpus.
type CorpusPage struct {
	Name string // the file is corpus/<Name>.html
	// Charset is the page's encoding; HeaderCharset puts it in the
	// Content-Type header (otherwise the page declares it itself, or not).
	Charset       string
	HeaderCharset bool
	// KeyField is the name of the key's control; Twins those of its
	// confirmation fields. The fake stores the posted KeyField value.
	KeyField string
	Twins    []string
	// KeySelector, TwinSelectors and SaveSelector are CSS selectors for
	// what an operator types into and clicks, for the browser test.
	KeySelector   string
	TwinSelectors []string
	SaveSelector  string
	// ImageButton is the name of the save button when it is an image
	// button: where on it the browser clicked (name.x, name.y) varies.
	ImageButton string
	// SavePath is the path (and query) the save posts to.
	SavePath string
	// Reject, when set, is the validation message the page answers a save
	// with; nothing is stored.
	Reject string
	// Refuse, when set, is a phrase the client's English reason must
	// contain: the page cannot be posted safely, and nothing is posted.
	Refuse string
}

// CorpusPost is one save a corpus page received, as sent.
type CorpusPost struct {
	Path        string // path and query
	ContentType string
	Body        []byte
	CSRF        string // the session's token, to mask in comparisons
}

// CorpusPages lists the corpus.
func CorpusPages() []CorpusPage { return slices.Clone(corpusPages) }

// Corpus returns the page named name.
func Corpus(name string) (CorpusPage, bool) {
	for _, p := range corpusPages {
		if p.Name == name {
			return p, true
		}
	}
	return CorpusPage{}, false
}

func (p CorpusPage) encoding() encoding.Encoding {
	switch strings.ToLower(p.Charset) {
	case "shift_jis":
		return japanese.ShiftJIS
	case "euc-jp":
		return japanese.EUCJP
	case "iso-2022-jp":
		return japanese.ISO2022JP
	}
	return nil
}

// CorpusPosts lists the saves received so far.
func (s *Server) CorpusPosts() []CorpusPost {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.primary().corpusPosts)
}

// StoredKey is the key the fake holds.
func (s *Server) StoredKey() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.primary().settings[FieldLicenseKey]
}

// NewAuthedSession starts a logged-in session, for a browser test that
// does not type the password: it returns the session cookie's value.
func (s *Server) NewAuthedSession() string {
	sid := randomToken()
	s.mu.Lock()
	s.sessions[sid] = &session{authed: true, csrf: randomToken(), acct: s.primary()}
	s.mu.Unlock()
	return sid
}

func (s *Server) renderCorpus(w http.ResponseWriter, sess *session, csrf, errMsg string) {
	p := s.corpus
	src, err := corpusFS.ReadFile("corpus/" + p.Name + ".html")
	if err != nil {
		renderStatus(w, http.StatusInternalServerError, serverErrorPage)
		return
	}
	s.mu.Lock()
	key := sess.acct.settings[FieldLicenseKey]
	shown := s.shownLocked(sess)
	s.mu.Unlock()
	page := strings.NewReplacer("{{CSRF}}", csrf, "{{KEY}}", key, "{{ERROR}}", errMsg).Replace(string(src))
	page = withAccount(page, shown)
	body := []byte(page)
	if enc := p.encoding(); enc != nil {
		if body, err = enc.NewEncoder().Bytes(body); err != nil {
			renderStatus(w, http.StatusInternalServerError, serverErrorPage)
			return
		}
	}
	ct := "text/html"
	if p.HeaderCharset {
		ct += "; charset=" + p.Charset
	}
	w.Header().Set("Content-Type", ct)
	w.Write(body)
}

func (s *Server) corpusPageHandler(w http.ResponseWriter, r *http.Request, _ string, sess *session) {
	s.mu.Lock()
	csrf := sess.csrf
	s.mu.Unlock()
	s.renderCorpus(w, sess, csrf, "")
}

// corpusSave records a save of the corpus page and stores its key.
func (s *Server) corpusSave(w http.ResponseWriter, r *http.Request, _ string, sess *session) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		renderStatus(w, http.StatusBadRequest, badRequestPage("フォームを読めません"))
		return
	}
	s.mu.Lock()
	csrf := sess.csrf
	a := sess.acct
	a.corpusPosts = append(a.corpusPosts, CorpusPost{Path: r.URL.RequestURI(), ContentType: r.Header.Get("Content-Type"),
		Body: body, CSRF: csrf})
	s.mu.Unlock()
	if !bytes.Contains(body, []byte(csrf)) {
		renderStatus(w, http.StatusForbidden, forbiddenPage)
		return
	}
	values, err := decodeBody(r.Header.Get("Content-Type"), body)
	if err != nil {
		renderStatus(w, http.StatusBadRequest, badRequestPage(err.Error()))
		return
	}
	s.mu.Lock()
	a.postCount++
	s.mu.Unlock()
	if s.corpus.Reject != "" {
		s.renderCorpus(w, sess, csrf, s.corpus.Reject)
		return
	}
	keys := values[s.corpus.KeyField]
	if len(keys) != 1 {
		renderStatus(w, http.StatusBadRequest, badRequestPage("ライセンスキーがありません"))
		return
	}
	for _, t := range s.corpus.Twins {
		if tv := values[t]; len(tv) != 1 || tv[0] != keys[0] {
			s.renderCorpus(w, sess, csrf, "確認用のライセンスキーが一致しません。")
			return
		}
	}
	s.mu.Lock()
	a.settings[FieldLicenseKey] = keys[0]
	a.savedCount++
	s.mu.Unlock()
	http.Redirect(w, r, NextPath, http.StatusSeeOther)
}

// decodeBody parses a urlencoded or multipart body into raw byte strings:
// the key is ASCII, so no charset is needed to read it.
func decodeBody(ct string, body []byte) (url.Values, error) {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, err
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		return url.ParseQuery(string(body))
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		f, err := mr.ReadForm(1 << 20)
		if err != nil {
			return nil, err
		}
		return f.Value, nil
	}
	return nil, fmt.Errorf("unsupported content type %q", mt)
}
