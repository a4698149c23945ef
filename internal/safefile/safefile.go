// Package safefile opens and checks the files of the data directory so that
// nobody else can steer them: a symlink planted where the lock, pid or
// redirect file goes is refused (O_NOFOLLOW), a file is never truncated
// before it is known to be ours, and a data dir that another user owns or
// may write to is refused with the reason.
package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"keyrelay/internal/keyrelay"
)

// ErrNotOurs marks a file or dir refused because of its type, owner or mode.
var ErrNotOurs = errors.New("not the operator's own file")

// Open opens path without following a symlink in its last element and checks
// that what was opened is a regular file of ours, not group- or
// world-writable, with one link (a hard link to another file would pass the
// symlink check). flag must not contain O_TRUNC: truncate with f.Truncate
// once Open has returned.
func Open(path string, flag int, perm os.FileMode) (*os.File, error) {
	if flag&os.O_TRUNC != 0 {
		return nil, fmt.Errorf("safefile: open %s: O_TRUNC would truncate before the check", path)
	}
	if err := refuseLink(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, flag|noFollow, perm)
	if err != nil {
		if isLoop(err) {
			return nil, refusal(path, "シンボリックリンクです", "it is a symbolic link")
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		err = checkFile(path, fi, true)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// WriteFile replaces path's content with data, through Open: it creates the
// file with perm, or rewrites it if it is ours, and never follows a symlink.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	f, err := Open(path, os.O_WRONLY|os.O_CREATE, perm)
	if err != nil {
		return err
	}
	if err := f.Chmod(perm); err != nil && !isWindows {
		f.Close()
		return err
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return err
	}
	if _, err := f.WriteAt(data, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// PrepareDir creates dir 0700 if needed and refuses it, saying why, when it
// or any file directly in it is not the operator's: another user's, group-
// or world-writable, or (for entries) a symlink. A dir that is only too open
// but ours is not silently fixed: someone may already have written to it.
func PrepareDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		// A symlinked data dir is the operator's choice (a synced folder,
		// say); judge where it leads.
		if fi, err = os.Stat(dir); err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
	}
	if !fi.IsDir() {
		return refusal(dir, "フォルダではありません", "it is not a directory")
	}
	if err := checkOwner(dir, fi); err != nil {
		return err
	}
	if fi.Mode().Perm()&0o022 != 0 && !isWindows {
		return refusal(dir, fmt.Sprintf("他のユーザーが書き込めます（権限 %04o）。chmod 700 で直してください", fi.Mode().Perm()),
			fmt.Sprintf("other users may write to it (mode %04o); fix it with chmod 700", fi.Mode().Perm()))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		info, err := os.Lstat(path)
		if err != nil {
			if os.IsNotExist(err) {
				continue // removed meanwhile (a SQLite sidecar)
			}
			return fmt.Errorf("data dir: %w", err)
		}
		if info.IsDir() {
			if err := checkOwner(path, info); err != nil {
				return err
			}
			continue
		}
		if err := checkFile(path, info, false); err != nil {
			return err
		}
	}
	// Ours and closed to others: tighten the rest (a 0755 dir made by hand).
	if fi.Mode().Perm() != 0o700 && !isWindows {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
	}
	return nil
}

func checkFile(path string, fi fs.FileInfo, opened bool) error {
	if fi.Mode()&fs.ModeSymlink != 0 {
		return refusal(path, "シンボリックリンクです", "it is a symbolic link")
	}
	if !fi.Mode().IsRegular() {
		return refusal(path, "通常のファイルではありません", "it is not a regular file")
	}
	if err := checkOwner(path, fi); err != nil {
		return err
	}
	if fi.Mode().Perm()&0o022 != 0 && !isWindows {
		return refusal(path, fmt.Sprintf("他のユーザーが書き込めます（権限 %04o）", fi.Mode().Perm()),
			fmt.Sprintf("other users may write to it (mode %04o)", fi.Mode().Perm()))
	}
	if n := linkCount(fi); n > 1 {
		return refusal(path, fmt.Sprintf("ハードリンクが %d 個あります", n), fmt.Sprintf("it has %d hard links", n))
	}
	return nil
}

func refusal(path, ja, en string) error {
	e := &keyrelay.Error{Code: keyrelay.EINVALID,
		Message:   fmt.Sprintf("データフォルダの %s は使えません：%s。keyrelay を起動したユーザーだけのものにしてください。", path, ja),
		MessageEn: fmt.Sprintf("refusing %s in the data dir: %s. It must belong to the user running keyrelay, and only to them.", path, en)}
	return fmt.Errorf("%w (%w)", e, ErrNotOurs)
}
