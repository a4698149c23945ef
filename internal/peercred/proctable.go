package peercred

// The kernel's TCP tables, as Linux prints them in /proc/net/tcp and tcp6.
// Read directly on Linux, and through Wine's Z: drive by the Windows build
// when it runs under Wine (peercred_windows.go).

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
)

// ownerUIDIn finds, in the given table files, the socket whose local end is
// remote and whose remote end is local (the peer's own view of the
// connection) and returns its uid column.
func ownerUIDIn(tables []string, local, remote *net.TCPAddr) (int, error) {
	for _, path := range tables {
		f, err := os.Open(path)
		if err != nil {
			continue // no IPv6 in this kernel, for instance
		}
		uid, found, err := scanTable(f, local, remote)
		f.Close()
		if err != nil {
			return 0, fmt.Errorf("peercred: %s: %w", path, err)
		}
		if found {
			return uid, nil
		}
	}
	return 0, fmt.Errorf("peercred: no socket owner found for peer %s (not a local process?)", remote)
}

func scanTable(f io.Reader, local, remote *net.TCPAddr) (uid int, found bool, err error) {
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 4096), 1<<20)
	first := true
	for sc.Scan() {
		if first { // the header
			first = false
			continue
		}
		// sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 {
			continue
		}
		la, ok1 := parseHexAddr(fields[1])
		ra, ok2 := parseHexAddr(fields[2])
		if !ok1 || !ok2 || !sameEnd(la, remote) || !sameEnd(ra, local) {
			continue
		}
		// A TIME_WAIT leftover of an earlier connection on the same ports
		// has no socket inode (and shows uid 0): it says nothing about who
		// holds the live one.
		if fields[9] == "0" {
			continue
		}
		n, err := strconv.Atoi(fields[7])
		if err != nil {
			return 0, false, fmt.Errorf("bad uid column %q", fields[7])
		}
		return n, true, nil
	}
	return 0, false, sc.Err()
}

func sameEnd(a *net.TCPAddr, b *net.TCPAddr) bool {
	return a.Port == b.Port && a.IP.Equal(b.IP)
}

// parseHexAddr reads the kernel's "0100007F:1F90": the address as 32-bit
// words printed in host byte order, then the port in hex.
func parseHexAddr(s string) (*net.TCPAddr, bool) {
	host, port, ok := strings.Cut(s, ":")
	if !ok || (len(host) != 8 && len(host) != 32) {
		return nil, false
	}
	raw, err := hex.DecodeString(host)
	if err != nil {
		return nil, false
	}
	ip := make(net.IP, len(raw))
	for i := 0; i < len(raw); i += 4 {
		binary.NativeEndian.PutUint32(ip[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	p, err := strconv.ParseUint(port, 16, 16)
	if err != nil {
		return nil, false
	}
	return &net.TCPAddr{IP: ip, Port: int(p)}, true
}
