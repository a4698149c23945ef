//go:build unix

package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

const (
	noFollow  = syscall.O_NOFOLLOW
	isWindows = false
)

// isLoop: O_NOFOLLOW on a symlink fails with ELOOP (EMLINK on FreeBSD).
func isLoop(err error) bool {
	return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK)
}

// refuseLink is done by O_NOFOLLOW itself on Unix.
func refuseLink(string) error { return nil }

func checkOwner(path string, fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if me := os.Getuid(); int(st.Uid) != me {
		return refusal(path, fmt.Sprintf("所有者が別のユーザー（uid %d）です", st.Uid), fmt.Sprintf("it is owned by uid %d, not by uid %d that runs keyrelay", st.Uid, me))
	}
	return nil
}

func linkCount(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}
