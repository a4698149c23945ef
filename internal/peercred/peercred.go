// Package peercred decides whether the other end of a loopback TCP connection
// belongs to the OS user the helper runs as. Every user of a computer shares
// its loopback, so a Host or Origin check alone lets another account on a
// shared office PC or terminal server talk to the helper; the kernel knows
// who owns each socket, and this package asks it.
//
//   - Linux: the peer's socket is the row of /proc/net/tcp or tcp6 whose
//     local address is our remote address (and whose remote is ours); its uid
//     column is the socket owner's uid.
//   - Windows: GetExtendedTcpTable names the owning process of that row; its
//     token's user SID must equal ours.
//   - macOS: lsof, run as us, lists only sockets of processes it may inspect;
//     the peer must appear there with our uid (best effort, see SECURITY.md).
//   - Elsewhere: not checked, and Verdict says so.
package peercred

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
)

// Verdict is what was found out about one connection's peer.
type Verdict struct {
	// Allowed: the peer is ours, or the platform cannot tell (Checked false).
	Allowed bool
	// Checked: the kernel was asked and answered.
	Checked bool
	// Reason says why a peer was refused or left unchecked, for the audit log.
	Reason string
}

// Check asks the kernel who owns the peer of the connection local<->remote
// (local is our end). A failed lookup refuses: a peer we cannot place is not
// known to be ours.
func Check(local, remote net.Addr) Verdict {
	l, lok := local.(*net.TCPAddr)
	r, rok := remote.(*net.TCPAddr)
	if !lok || !rok {
		return Verdict{Reason: fmt.Sprintf("not a TCP connection (%T, %T)", local, remote)}
	}
	return check(l, r)
}

type ctxKey struct{}

// connVerdict is one connection's check, made once, on first use.
type connVerdict struct {
	once          sync.Once
	local, remote net.Addr
	v             Verdict
}

func (c *connVerdict) get() Verdict {
	c.once.Do(func() { c.v = Check(c.local, c.remote) })
	return c.v
}

// ConnContext is for http.Server.ConnContext: each connection is checked
// once, before its first request is served. (The lookup itself runs on the
// connection's own goroutine, not in the server's accept loop, so a slow
// lookup cannot stall other connections.)
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, ctxKey{}, &connVerdict{local: c.LocalAddr(), remote: c.RemoteAddr()})
}

// FromRequest returns the connection's verdict: the one ConnContext set up,
// or a fresh check when the server was started without it.
func FromRequest(r *http.Request) Verdict {
	if c, ok := r.Context().Value(ctxKey{}).(*connVerdict); ok {
		return c.get()
	}
	local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	remote, err := net.ResolveTCPAddr("tcp", r.RemoteAddr)
	if local == nil || err != nil {
		return Verdict{Reason: "connection addresses unknown"}
	}
	return Check(local, remote)
}

// Guard answers 403 to a request whose peer is not the helper's OS user,
// before anything else sees it (the WebSocket upgrade included). refused is
// told why, for the (rate-limited) audit log; it may be nil.
func Guard(next http.Handler, refused func(r *http.Request, reason string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := FromRequest(r)
		if !v.Allowed {
			if refused != nil {
				refused(r, v.Reason)
			}
			http.Error(w, "403 この接続は keyrelay を起動したユーザーのものではありません / the connection does not belong to the user running keyrelay", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}
