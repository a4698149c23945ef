package goq

import (
	"net"
	"net/url"
	"strings"
	"sync/atomic"

	"keyrelay/internal/keyrelay"
)

// loopbackAllowed lets a base URL name a loopback host (the fake GoQ). It is
// false in the shipped binary and cannot be changed there: only the demo
// build (baseurl_demo.go, build tag demo) and this package's own tests turn
// it on. A history-page session or a local program that changes the
// settings can therefore never aim the key at a port of its own.
var loopbackAllowed atomic.Bool

// LoopbackAllowed reports whether this build accepts a loopback base URL
// (only a build with the demo tag does).
func LoopbackAllowed() bool { return loopbackAllowed.Load() }

// CheckBaseURL accepts GoQSystem's own hosts over https and nothing else; the
// client checks certificates against the system roots. The base URL decides
// where the shop's license key and GoQ password are sent, so it must not be
// an arbitrary host whoever reached the settings form chose. Only a demo
// build also accepts loopback (http or https).
func CheckBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || len(s) > 500 {
		return keyrelay.Errorf(keyrelay.EINVALID, "GoQSystem の URL として読めません。", "Not a GoQSystem URL.")
	}
	if u.User != nil {
		return keyrelay.Errorf(keyrelay.EINVALID, "URL にIDやパスワードを含めないでください。", "The URL must not contain a user name or password.")
	}
	h := strings.ToLower(u.Hostname())
	loop := h == "localhost"
	if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
		loop = true
	}
	switch {
	case loop && LoopbackAllowed() && (u.Scheme == "http" || u.Scheme == "https"):
		return nil
	case u.Scheme == "https" && (h == "goqsystem.com" || strings.HasSuffix(h, ".goqsystem.com")):
		return nil
	}
	return keyrelay.Errorf(keyrelay.EINVALID,
		"GoQSystem の URL は https://…goqsystem.com/ である必要があります（例: %s）。",
		"The GoQSystem URL must be https://…goqsystem.com/ (e.g. %s).", DefaultBaseURL)
}
