// Package instance keeps one helper per data directory: a second `keyrelay
// run` on the same directory would race the first for the database and the
// port, so it is refused before it touches either.
package instance

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/safefile"
)

// FileName is the lock file inside the data directory.
const FileName = "keyrelay.lock"

// Lock takes the data directory's lock and writes this process's pid and
// listen address into it, so a second instance can say who holds it. The lock
// is held until release is called or the process exits (the OS drops it even
// on a crash, so a stale file never blocks a restart).
func Lock(dataDir, addr string) (release func(), err error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("instance: create data dir: %w", err)
	}
	path := filepath.Join(dataDir, FileName)
	// Not through a symlink, and not truncated before the lock is ours: a
	// link planted here by someone else must not aim our writes elsewhere.
	f, err := safefile.Open(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("instance: open lock file: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, fmt.Errorf("instance: chmod lock file: %w", err)
	}
	if err := lockFile(f); err != nil {
		defer f.Close()
		if errors.Is(err, errLocked) {
			return nil, heldError(f, path)
		}
		return nil, fmt.Errorf("instance: lock %s: %w", path, err)
	}
	if err := writeOwner(f, addr); err != nil {
		unlockFile(f)
		f.Close()
		return nil, err
	}
	var released bool
	return func() {
		if released {
			return
		}
		released = true
		// Emptied first so a reader never sees a pid that has gone.
		_ = f.Truncate(0)
		unlockFile(f)
		f.Close()
	}, nil
}

// Owner is what a lock file says about the process holding it.
type Owner struct {
	PID  int
	Addr string
}

// ReadOwner reads the lock file of dataDir. It is informational only: the
// flock, not the file's content, decides who runs.
func ReadOwner(dataDir string) (Owner, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, FileName))
	if err != nil {
		return Owner{}, fmt.Errorf("instance: read lock file: %w", err)
	}
	return parseOwner(string(b)), nil
}

var errLocked = errors.New("lock held by another process")

func writeOwner(f *os.File, addr string) error {
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("instance: truncate lock file: %w", err)
	}
	if _, err := f.WriteAt([]byte(fmt.Sprintf("pid=%d\naddr=%s\n", os.Getpid(), addr)), 0); err != nil {
		return fmt.Errorf("instance: write lock file: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("instance: sync lock file: %w", err)
	}
	return nil
}

func parseOwner(s string) Owner {
	var o Owner
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		switch k {
		case "pid":
			o.PID, _ = strconv.Atoi(v)
		case "addr":
			o.Addr = v
		}
	}
	return o
}

func heldError(f *os.File, path string) error {
	b := make([]byte, 512)
	n, _ := f.ReadAt(b, 0)
	o := parseOwner(string(b[:n]))
	who := "pid ?"
	if o.PID > 0 {
		who = "pid " + strconv.Itoa(o.PID)
	}
	if o.Addr != "" {
		who += ", " + o.Addr
	}
	return keyrelay.Errorf(keyrelay.ECONFLICT,
		"keyrelay はすでに起動しています (%s)。同じデータフォルダで二つ目は起動できません。トレイのアイコンか `keyrelay open` をお使いください。（ロックファイル: %s）",
		"keyrelay is already running (%s). A second instance on the same data directory is refused; use the tray icon or `keyrelay open`. (lock file: %s)",
		who, path)
}
