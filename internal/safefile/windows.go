//go:build windows

package safefile

import (
	"io/fs"
	"os"
)

// Windows has no O_NOFOLLOW: the path is Lstat'ed first (a reparse point is
// refused), which leaves a small race that docs/SECURITY.md names. Owner and
// mode are ACLs there; the data dir under %LocalAppData% is the user's own.
const (
	noFollow  = 0
	isWindows = true
)

func isLoop(error) bool { return false }

func refuseLink(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil // created by the open
	}
	if fi.Mode()&(fs.ModeSymlink|fs.ModeIrregular) != 0 {
		return refusal(path, "シンボリックリンクです", "it is a symbolic link")
	}
	return nil
}

func checkOwner(string, fs.FileInfo) error { return nil }

func linkCount(fs.FileInfo) uint64 { return 1 }
