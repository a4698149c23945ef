//go:build linux

package peercred_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"keyrelay/internal/helpertest"
	"keyrelay/internal/peercred"
)

// nobody is the second account the tests connect as.
const nobody = helpertest.Nobody

// asOtherUser runs a shell script as another OS user; the client must run
// to its end.
func asOtherUser(t *testing.T, script string) string {
	t.Helper()
	out, err := helpertest.AsOtherUser(t, script)
	if err != nil {
		t.Fatalf("as uid %d: %v\n%s", nobody, err, out)
	}
	return out
}

// rawGET sends one HTTP/1.0 request through bash's /dev/tcp, so the client
// needs nothing installed.
func rawGET(addr, path string) string {
	host, port, _ := strings.Cut(addr, ":")
	return fmt.Sprintf(`exec 3<>/dev/tcp/%s/%s; printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' >&3; cat <&3`, host, port, path, addr)
}

func guardedServer(t *testing.T) (*httptest.Server, *[]string) {
	var refused []string
	h := peercred.Guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "secret page")
	}), func(r *http.Request, reason string) { refused = append(refused, reason) })
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnContext = peercred.ConnContext
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &refused
}

func TestSecondUserIsRefused(t *testing.T) {
	srv, refused := guardedServer(t)
	addr := strings.TrimPrefix(srv.URL, "http://")
	out := asOtherUser(t, rawGET(addr, "/"))
	if !strings.Contains(out, " 403 ") || strings.Contains(out, "secret page") {
		t.Fatalf("second uid got:\n%s", out)
	}
	if len(*refused) != 1 || !strings.Contains((*refused)[0], fmt.Sprintf("uid %d", nobody)) {
		t.Fatalf("refusals = %q, want one naming uid %d", *refused, nobody)
	}
}

func TestSameUserIsServed(t *testing.T) {
	srv, refused := guardedServer(t)
	res, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || len(*refused) != 0 {
		t.Fatalf("same user: status %d, refusals %q", res.StatusCode, *refused)
	}
}

// Without ConnContext the guard still checks, per request.
func TestGuardChecksWithoutConnContext(t *testing.T) {
	var refused []string
	srv := httptest.NewServer(peercred.Guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "secret page")
	}), func(r *http.Request, reason string) { refused = append(refused, reason) }))
	t.Cleanup(srv.Close)
	out := asOtherUser(t, rawGET(strings.TrimPrefix(srv.URL, "http://"), "/"))
	if !strings.Contains(out, " 403 ") || len(refused) != 1 {
		t.Fatalf("second uid without ConnContext got:\n%s\nrefusals %q", out, refused)
	}
}

// BenchmarkCheck is one lookup of a live loopback connection's owner.
func BenchmarkCheck(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			select {}
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	// Our end as the server would see it: local = listener, remote = c.
	for b.Loop() {
		if v := peercred.Check(ln.Addr(), c.LocalAddr()); !v.Allowed {
			b.Fatal(v.Reason)
		}
	}
}
