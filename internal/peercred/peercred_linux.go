package peercred

import (
	"fmt"
	"net"
	"os"
)

// procNet are the kernel's TCP socket tables; tests point them elsewhere.
var procNet = []string{"/proc/net/tcp", "/proc/net/tcp6"}

func check(local, remote *net.TCPAddr) Verdict {
	uid, err := ownerUID(local, remote)
	if err != nil {
		return Verdict{Reason: err.Error()}
	}
	if self := os.Getuid(); uid != self {
		return Verdict{Checked: true, Reason: fmt.Sprintf("peer %s belongs to uid %d, not to uid %d that runs keyrelay", remote, uid, self)}
	}
	return Verdict{Allowed: true, Checked: true}
}

// ownerUID finds the socket whose local end is remote and whose remote end is
// local (the peer's own view of the connection) and returns its uid column.
func ownerUID(local, remote *net.TCPAddr) (int, error) {
	return ownerUIDIn(procNet, local, remote)
}
