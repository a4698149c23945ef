package loopback_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"keyrelay/internal/loopback"
)

func TestAllowedHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1:27415":      true,
		"localhost:27415":      true,
		"[::1]:27415":          true,
		"127.0.0.1:80":         false,
		"evil.example:27415":   false,
		"evil.example":         false,
		"127.0.0.1":            false,
		"127.0.0.2:27415":      false,
		"localhost.evil:27415": false,
		"":                     false,
	} {
		if got := loopback.AllowedHost(host, 27415); got != want {
			t.Errorf("AllowedHost(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestGuardRefusesForeignHost(t *testing.T) {
	var reason string
	h := loopback.Guard(27415, func(r *http.Request, why string) { reason = why }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	r := httptest.NewRequest("GET", "http://evil.example/", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusForbidden || reason == "" {
		t.Fatalf("got %d reason %q, want 403 with a reason", w.Code, reason)
	}
	r = httptest.NewRequest("GET", "http://127.0.0.1:27415/", nil)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusNoContent {
		t.Fatalf("loopback host: got %d, want 204", w.Code)
	}
}

func TestListenRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0"} {
		if l, err := loopback.Listen(addr); err == nil {
			l.Close()
			t.Errorf("Listen(%q) succeeded, want refusal", addr)
		}
	}
	l, err := loopback.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
}
