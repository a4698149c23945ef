//go:build darwin

package peercred

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// check asks lsof, run as us, which processes hold the peer's end. Best
// effort (docs/SECURITY.md): macOS offers no per-socket owner to a normal
// user, but lsof shows the sockets of processes this user may inspect, with
// their uid. A peer that appears with another uid, or not at all, is refused.
func check(local, remote *net.TCPAddr) Verdict {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	spec := fmt.Sprintf("TCP@%s", net.JoinHostPort(remote.IP.String(), strconv.Itoa(remote.Port)))
	out, err := exec.CommandContext(ctx, "/usr/sbin/lsof", "-nP", "-a", "-i", spec, "-F", "pu").Output()
	if err != nil && len(out) == 0 {
		// lsof exits 1 when nothing matches: a peer it may not see.
		return Verdict{Reason: fmt.Sprintf("peer %s not found among this user's processes (lsof: %v)", remote, err)}
	}
	self, me := os.Getpid(), strconv.Itoa(os.Getuid())
	pid := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if len(line) < 2 {
			continue
		}
		switch line[0] {
		case 'p':
			pid, _ = strconv.Atoi(line[1:])
		case 'u':
			if pid == self {
				continue // our own end of the connection
			}
			if line[1:] == me {
				return Verdict{Allowed: true, Checked: true}
			}
			return Verdict{Checked: true, Reason: fmt.Sprintf("peer %s (pid %d) belongs to uid %s, not to uid %s that runs keyrelay", remote, pid, line[1:], me)}
		}
	}
	return Verdict{Reason: fmt.Sprintf("peer %s not found among this user's processes", remote)}
}
