//go:build demo

package goq_test

import (
	"errors"
	"strings"
	"testing"

	fakegoq "keyrelay/internal/fakes/goq"
	"keyrelay/internal/goq"
	"keyrelay/internal/keyrelay"
)

// TestCorpus delivers to every page of the fake's corpus (pages written in
// the styles of real back offices, see internal/fakes/goq/corpus): a page
// that can be posted safely gets exactly one save holding the key
// byte-exact (and its twins), a page that answers with a validation
// message yields EREJECTED quoting it after one POST, and an unsafe page is
// refused with its reason, posting nothing. The browser comparison of the
// same pages is e2e/goq_diff_test.go.
func TestCorpus(t *testing.T) {
	for _, p := range fakegoq.CorpusPages() {
		t.Run(p.Name, func(t *testing.T) {
			e := startCorpus(t, p.Name)
			_, err := e.deliver(t)
			switch {
			case p.Refuse != "":
				wantCode(t, err, keyrelay.EINVALID)
				if _, en := keyrelay.ErrorMessage(err); !strings.Contains(en, p.Refuse) {
					t.Errorf("reason %q, want it to contain %q", en, p.Refuse)
				}
				if n := len(e.fake.CorpusPosts()); n != 0 {
					t.Errorf("%d posts to a refused page", n)
				}
			case p.Reject != "":
				wantCode(t, err, keyrelay.EREJECTED)
				var kerr *keyrelay.Error
				if errors.As(err, &kerr) && kerr.Quote != p.Reject {
					t.Errorf("quote %q, want %q", kerr.Quote, p.Reject)
				}
				if n := len(e.fake.CorpusPosts()); n != 1 {
					t.Errorf("%d posts, want 1", n)
				}
			default:
				if err != nil {
					t.Fatalf("Deliver: %v", err)
				}
				posts := e.fake.CorpusPosts()
				if len(posts) != 1 {
					t.Fatalf("%d posts, want 1", len(posts))
				}
				if want := strings.ReplaceAll(p.SavePath, "{{CSRF}}", posts[0].CSRF); posts[0].Path != want {
					t.Errorf("posted to %q, want %q", posts[0].Path, want)
				}
				t.Logf("%s\n%s", posts[0].ContentType, posts[0].Body)
				if got := e.fake.StoredKey(); got != newKey {
					t.Errorf("stored key %q, want %q", got, newKey)
				}
			}
		})
	}
}

func startCorpus(t *testing.T, name string) *env {
	t.Helper()
	e := startWith(t, fakegoq.Options{CorpusPage: name}, nil)
	return e
}

var _ = goq.KeyLabel
