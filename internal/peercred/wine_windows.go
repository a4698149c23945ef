//go:build windows

package peercred

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/windows"
)

// Under Wine, keyrelay.exe is a Linux process and so is every other program
// on the loopback: GetExtendedTcpTable knows only Wine's own processes, and a
// native client (a Linux browser, the tests) would be refused as "no
// process". The host kernel still knows every socket's owner, and Wine maps
// the host's / to drive Z:, so under Wine the check reads the Linux tables
// there and compares their uid with our own Unix uid. Real Windows has no
// wine_get_version, so this path never runs there.

var wineTables = []string{`Z:\proc\net\tcp`, `Z:\proc\net\tcp6`}

var underWine = sync.OnceValue(func() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
})

func checkUnderWine(local, remote *net.TCPAddr) Verdict {
	uid, err := ownerUIDIn(wineTables, local, remote)
	if err != nil {
		return Verdict{Reason: err.Error() + " (under Wine)"}
	}
	self, err := wineSelfUID()
	if err != nil {
		return Verdict{Reason: "our own Unix uid under Wine: " + err.Error()}
	}
	if uid != self {
		return Verdict{Checked: true, Reason: fmt.Sprintf("peer %s belongs to uid %d, not to uid %d that runs keyrelay (under Wine)", remote, uid, self)}
	}
	return Verdict{Allowed: true, Checked: true}
}

// wineSelfUID is the real uid of this (Linux) process, from the "Uid:" line
// of Z:\proc\self\status.
func wineSelfUID() (int, error) {
	f, err := os.Open(`Z:\proc\self\status`)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Uid:"); ok {
			fields := strings.Fields(rest)
			if len(fields) == 0 {
				break
			}
			return strconv.Atoi(fields[0])
		}
	}
	return 0, fmt.Errorf("no Uid line in /proc/self/status")
}
