//go:build demo

package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"keyrelay/internal/keyrelay"
)

// TestHelloCORS: the probe names exact origins only (never "*"), answers
// the private-network preflight, tells a refused extension that it is
// refused, and tells a web page nothing.
func TestHelloCORS(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const firefox = "moz-extension://0b7c6f4e-1a2b-4c3d-8e9f-a0b1c2d3e4f5"
	const firefoxOther = "moz-extension://11111111-2222-4333-8444-555555555555"
	p := &keyrelay.Pairing{ClientID: "c_ff", Name: "Firefox", Origin: firefox}
	if err := e.pairings.CreatePairing(ctx, p, "claim-token-0123456789abcdef"); err != nil {
		t.Fatal(err)
	}
	ps, _ := e.pairings.FindPairings(ctx, keyrelay.PairingFilter{ClientID: "c_ff"})
	if _, err := e.pairings.ApprovePairing(ctx, ps[0].Code); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, origin string
		code         int
		readable     bool // Access-Control-Allow-Origin echoes the origin
		allowed      bool
	}{
		{"pinned chrome extension", keyrelay.PinnedOrigin, 200, true, true},
		{"approved firefox install", firefox, 200, true, true},
		{"unapproved firefox install", firefoxOther, 403, true, false},
		{"another chrome extension", "chrome-extension://abcdefghijklmnopabcdefghijklmnop", 403, true, false},
		{"web page", "https://evil.example", 403, false, false},
		{"web page on loopback", "http://127.0.0.1:8080", 403, false, false},
		{"null origin", "null", 403, false, false},
		{"malformed extension origin", "chrome-extension://ABC", 403, false, false},
		{"no origin (curl)", "", 200, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []reqOpt
			if tc.origin != "" {
				opts = append(opts, withHeader("Origin", tc.origin))
			}
			res := e.do("GET", "/api/v1/hello", nil, opts...)
			if res.code != tc.code {
				t.Fatalf("status %d, want %d: %s", res.code, tc.code, res.body)
			}
			acao := res.header.Get("Access-Control-Allow-Origin")
			if tc.readable && acao != tc.origin {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", acao, tc.origin)
			}
			if !tc.readable && acao != "" {
				t.Errorf("Access-Control-Allow-Origin %q for a refused origin", acao)
			}
			if c := res.header.Get("Access-Control-Allow-Credentials"); c != "" {
				t.Errorf("Access-Control-Allow-Credentials %q", c)
			}
			var h struct {
				App           string `json:"app"`
				Version       string `json:"version"`
				Protocol      int    `json:"protocol"`
				OriginAllowed bool   `json:"origin_allowed"`
			}
			if err := json.Unmarshal([]byte(res.body), &h); err != nil {
				t.Fatalf("body %q: %v", res.body, err)
			}
			if h.App != "keyrelay" || h.Version != keyrelay.Version || h.Protocol != keyrelay.ProtocolVersion {
				t.Errorf("hello %+v", h)
			}
			if h.OriginAllowed != tc.allowed {
				t.Errorf("origin_allowed %v", h.OriginAllowed)
			}
		})
	}

	t.Run("private network preflight", func(t *testing.T) {
		for origin, want := range map[string]string{keyrelay.PinnedOrigin: "true", "https://evil.example": ""} {
			res := e.do("OPTIONS", "/api/v1/hello", nil, withHeader("Origin", origin),
				withHeader("Access-Control-Request-Method", "GET"),
				withHeader("Access-Control-Request-Private-Network", "true"))
			if got := res.header.Get("Access-Control-Allow-Private-Network"); got != want {
				t.Errorf("%s: Access-Control-Allow-Private-Network %q, want %q", origin, got, want)
			}
		}
		res := e.do("OPTIONS", "/api/v1/hello", nil, withHeader("Origin", keyrelay.PinnedOrigin),
			withHeader("Access-Control-Request-Method", "POST"))
		if m := res.header.Get("Access-Control-Allow-Methods"); m != "" {
			t.Errorf("POST preflight allowed: %q", m)
		}
	})
	t.Run("GET only", func(t *testing.T) {
		res := e.do("POST", "/api/v1/hello", nil, withHeader("Origin", keyrelay.PinnedOrigin))
		if res.code == http.StatusOK {
			t.Errorf("POST answered 200")
		}
	})
}
