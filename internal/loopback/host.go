// Package loopback holds the checks every request to the helper passes before
// routing: the Host allowlist that defeats DNS rebinding, and the listener that
// refuses to bind anything but a loopback address.
package loopback

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
)

// AllowedHost reports whether a request's Host header names this helper on
// loopback: 127.0.0.1:port, localhost:port or [::1]:port. A rebinding attack
// arrives with the attacker's host name and fails here.
func AllowedHost(host string, port int) bool {
	h, p, err := net.SplitHostPort(host)
	if err != nil || p != strconv.Itoa(port) {
		return false
	}
	switch h {
	case "127.0.0.1", "localhost", "::1":
		return true
	}
	return false
}

// Guard wraps next with the Host check. refused is told why (for the audit
// log) before the 403 goes out; it may be nil.
func Guard(port int, refused func(r *http.Request, reason string), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !AllowedHost(r.Host, port) {
			if refused != nil {
				refused(r, fmt.Sprintf("host %q not allowed", truncate(r.Host, 100)))
			}
			http.Error(w, "403 host not allowed / このホスト名では接続できません", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Listen binds addr only if it is a loopback address.
func Listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", addr, err)
	}
	ip := net.ParseIP(host)
	if host == "localhost" {
		ip = net.IPv4(127, 0, 0, 1)
		addr = net.JoinHostPort("127.0.0.1", addr[len(host)+1:])
	}
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("listen address %q: keyrelay listens on loopback only (127.0.0.1 or ::1)", addr)
	}
	return net.Listen("tcp", addr)
}

// Port returns the TCP port a listener is bound to.
func Port(l net.Listener) int { return l.Addr().(*net.TCPAddr).Port }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
