//go:build windows

package peercred

import (
	"encoding/binary"
	"fmt"
	"net"
	"unsafe"

	"golang.org/x/sys/windows"
)

var procGetExtendedTcpTable = windows.NewLazySystemDLL("iphlpapi.dll").NewProc("GetExtendedTcpTable")

const tcpTableOwnerPIDAll = 5

func check(local, remote *net.TCPAddr) Verdict {
	if underWine() {
		return checkUnderWine(local, remote)
	}
	pid, err := owningPID(local, remote)
	if err != nil {
		return Verdict{Reason: err.Error()}
	}
	peer, err := processUser(pid)
	if err != nil {
		return Verdict{Reason: fmt.Sprintf("peer %s (pid %d): %v", remote, pid, err)}
	}
	self, err := currentUser()
	if err != nil {
		return Verdict{Reason: "our own user: " + err.Error()}
	}
	if !peer.Equals(self) {
		return Verdict{Checked: true, Reason: fmt.Sprintf("peer %s (pid %d) belongs to %s, not to %s that runs keyrelay", remote, pid, peer, self)}
	}
	return Verdict{Allowed: true, Checked: true}
}

// tcpTable returns GetExtendedTcpTable's buffer for family (AF_INET or
// AF_INET6), growing it until the table fits.
func tcpTable(family uint32) ([]byte, error) {
	size := uint32(16 << 10)
	for range 8 {
		buf := make([]byte, size)
		r, _, _ := procGetExtendedTcpTable.Call(uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&size)), 0,
			uintptr(family), tcpTableOwnerPIDAll, 0)
		switch windows.Errno(r) {
		case 0:
			return buf[:size], nil
		case windows.ERROR_INSUFFICIENT_BUFFER:
			size += 4 << 10 // connections may appear between the calls
			continue
		default:
			return nil, fmt.Errorf("peercred: GetExtendedTcpTable: %w", windows.Errno(r))
		}
	}
	return nil, fmt.Errorf("peercred: GetExtendedTcpTable: table keeps growing")
}

// owningPID finds the row whose local end is the peer and whose remote end is us.
func owningPID(local, remote *net.TCPAddr) (uint32, error) {
	if remote.IP.To4() != nil {
		buf, err := tcpTable(windows.AF_INET)
		if err != nil {
			return 0, err
		}
		// MIB_TCPTABLE_OWNER_PID: dwNumEntries, then rows of six DWORDs:
		// state, local addr, local port, remote addr, remote port, pid.
		// Addresses and ports are in network byte order in memory.
		n := binary.LittleEndian.Uint32(buf)
		for i := uint32(0); i < n; i++ {
			off := 4 + int(i)*24
			if off+24 > len(buf) {
				break
			}
			row := buf[off : off+24]
			la, lp := net.IP(row[4:8]), int(binary.BigEndian.Uint16(row[8:10]))
			ra, rp := net.IP(row[12:16]), int(binary.BigEndian.Uint16(row[16:18]))
			if lp == remote.Port && la.Equal(remote.IP) && rp == local.Port && ra.Equal(local.IP) {
				return binary.LittleEndian.Uint32(row[20:24]), nil
			}
		}
	} else {
		buf, err := tcpTable(windows.AF_INET6)
		if err != nil {
			return 0, err
		}
		// MIB_TCP6ROW_OWNER_PID: local addr[16], scope, port, remote
		// addr[16], scope, port, state, pid: 56 bytes.
		n := binary.LittleEndian.Uint32(buf)
		for i := uint32(0); i < n; i++ {
			off := 4 + int(i)*56
			if off+56 > len(buf) {
				break
			}
			row := buf[off : off+56]
			la, lp := net.IP(row[0:16]), int(binary.BigEndian.Uint16(row[20:22]))
			ra, rp := net.IP(row[24:40]), int(binary.BigEndian.Uint16(row[44:46]))
			if lp == remote.Port && la.Equal(remote.IP) && rp == local.Port && ra.Equal(local.IP) {
				return binary.LittleEndian.Uint32(row[52:56]), nil
			}
		}
	}
	return 0, fmt.Errorf("peercred: no process owns peer %s (not a local process?)", remote)
}

func processUser(pid uint32) (*windows.SID, error) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return nil, fmt.Errorf("open process: %w", err)
	}
	defer windows.CloseHandle(h)
	var tok windows.Token
	if err := windows.OpenProcessToken(h, windows.TOKEN_QUERY, &tok); err != nil {
		return nil, fmt.Errorf("open process token: %w", err)
	}
	defer tok.Close()
	u, err := tok.GetTokenUser()
	if err != nil {
		return nil, fmt.Errorf("token user: %w", err)
	}
	return u.User.Sid.Copy()
}

func currentUser() (*windows.SID, error) {
	tok, err := windows.OpenCurrentProcessToken()
	if err != nil {
		return nil, err
	}
	defer tok.Close()
	u, err := tok.GetTokenUser()
	if err != nil {
		return nil, err
	}
	return u.User.Sid.Copy()
}
