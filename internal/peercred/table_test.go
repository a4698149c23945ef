//go:build linux

package peercred

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

// A table row is matched by the peer's view: its local end is our remote.
func TestOwnerFromTable(t *testing.T) {
	dir := t.TempDir()
	table := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0 100 0 0 10 0
   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 101 1 0 100 0 0 10 0
   2: 0100007F:C350 0100007F:1F90 06 00000000:00000000 03:00000100 00000000     0        0 0 3 0
   3: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1001        0 102 1 0 100 0 0 10 0
`
	path := filepath.Join(dir, "tcp")
	if err := os.WriteFile(path, []byte(table), 0o600); err != nil {
		t.Fatal(err)
	}
	old := procNet
	procNet = []string{path}
	t.Cleanup(func() { procNet = old })

	ours := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	peer := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000}
	uid, err := ownerUID(ours, peer)
	if err != nil || uid != 1001 {
		t.Fatalf("ownerUID = %d, %v; want 1001", uid, err)
	}
	if _, err := ownerUID(ours, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50001}); err == nil {
		t.Fatal("an unknown peer must not resolve")
	}
	if v := check(ours, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50001}); v.Allowed {
		t.Fatal("a peer with no owner must be refused")
	}
}

func TestParseHexAddrIPv6(t *testing.T) {
	a, ok := parseHexAddr("00000000000000000000000001000000:0050")
	if !ok || !a.IP.Equal(net.IPv6loopback) || a.Port == 0x50 == false {
		t.Fatalf("parse ::1 = %v, %v", a, ok)
	}
}
