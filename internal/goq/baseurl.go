package goq

import (
	"net"
	"net/url"
	"strings"

	"keyrelay/internal/keyrelay"
)

// CheckBaseURL accepts GoQSystem's own hosts over https, and loopback (the
// fake GoQ, a local proxy) over http or https. Anything else is refused: the
// base URL decides where the shop's license key and GoQ password are sent, so
// it must not be an arbitrary host whoever reached the settings form chose.
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
	case loop && (u.Scheme == "http" || u.Scheme == "https"):
		return nil
	case u.Scheme == "https" && (h == "goqsystem.com" || strings.HasSuffix(h, ".goqsystem.com")):
		return nil
	}
	return keyrelay.Errorf(keyrelay.EINVALID,
		"GoQSystem の URL は https://…goqsystem.com/ である必要があります（例: %s）。",
		"The GoQSystem URL must be https://…goqsystem.com/ (e.g. %s).", DefaultBaseURL)
}
