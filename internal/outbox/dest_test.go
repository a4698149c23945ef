package outbox_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"keyrelay/internal/goq"
	"keyrelay/internal/keyrelay"
)

// newDestination is the real GoQ client. The shipped client sends only to
// https://…goqsystem.com, so each fake gets a goqsystem.com name (fakeGoQURL)
// and the transport carries its requests to the fake's loopback port; GET
// retries are short so tests stay fast.
func newDestination(testing.TB) keyrelay.Destination {
	return goq.New(goq.WithTransport(fakeGoQTransport{}), goq.WithGETRetries(2, 5*time.Millisecond))
}

var (
	fakeHosts sync.Map // host name -> loopback address
	fakeSeq   atomic.Int64
)

// fakeGoQURL names srv shopN.goqsystem.com for the client and returns its
// GoQ base URL.
func fakeGoQURL(srv *httptest.Server) string {
	host := fmt.Sprintf("shop%d.goqsystem.com", fakeSeq.Add(1))
	fakeHosts.Store(host, strings.TrimPrefix(srv.URL, "http://"))
	return "https://" + host + "/goq21/"
}

type fakeGoQTransport struct{}

func (fakeGoQTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	addr, ok := fakeHosts.Load(r.URL.Host)
	if !ok {
		return nil, fmt.Errorf("no fake GoQ named %s", r.URL.Host)
	}
	out := r.Clone(r.Context())
	out.URL.Scheme, out.URL.Host = "http", addr.(string)
	res, err := http.DefaultTransport.RoundTrip(out)
	if res != nil {
		res.Request = r
	}
	return res, err
}
