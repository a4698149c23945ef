//go:build unix

package safefile_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/safefile"
)

func TestPrepareDirCreates0700(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keyrelay")
	if err := safefile.PrepareDir(dir); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("data dir mode = %v, %v; want 0700", fi.Mode(), err)
	}
}

func TestPrepareDirRefuses(t *testing.T) {
	for name, c := range map[string]struct {
		setup   func(t *testing.T, dir string)
		root    bool   // needs root (chown)
		wantWhy string // in the English message
	}{
		"world-writable dir": {setup: func(t *testing.T, dir string) { must(t, os.Chmod(dir, 0o777)) }, wantWhy: "mode 0777"},
		"group-writable dir": {setup: func(t *testing.T, dir string) { must(t, os.Chmod(dir, 0o770)) }, wantWhy: "mode 0770"},
		"group-writable file": {setup: func(t *testing.T, dir string) {
			must(t, os.WriteFile(filepath.Join(dir, "keyrelay.db"), nil, 0o600))
			must(t, os.Chmod(filepath.Join(dir, "keyrelay.db"), 0o660))
		}, wantWhy: "mode 0660"},
		"symlinked file": {setup: func(t *testing.T, dir string) {
			must(t, os.Symlink("/etc/passwd", filepath.Join(dir, "keyrelay.db")))
		}, wantWhy: "symbolic link"},
		"dir of another user": {root: true, setup: func(t *testing.T, dir string) { must(t, os.Chown(dir, 65534, 65534)) }, wantWhy: "owned by uid 65534"},
		"file of another user": {root: true, setup: func(t *testing.T, dir string) {
			p := filepath.Join(dir, "data.key")
			must(t, os.WriteFile(p, []byte("x"), 0o600))
			must(t, os.Chown(p, 65534, 65534))
		}, wantWhy: "owned by uid 65534"},
	} {
		t.Run(name, func(t *testing.T) {
			if c.root && os.Getuid() != 0 {
				t.Skip("needs root to chown to a second uid (CI runs as root)")
			}
			dir := t.TempDir()
			c.setup(t, dir)
			err := safefile.PrepareDir(dir)
			if !errors.Is(err, safefile.ErrNotOurs) {
				t.Fatalf("PrepareDir = %v, want a refusal", err)
			}
			if _, en := keyrelay.ErrorMessage(err); !strings.Contains(en, c.wantWhy) {
				t.Errorf("message %q does not say %q", en, c.wantWhy)
			}
		})
	}
}

func TestWriteFileDoesNotFollowSymlinks(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	must(t, os.WriteFile(victim, []byte("keep"), 0o644))
	link := filepath.Join(dir, "open.html")
	must(t, os.Symlink(victim, link))
	if err := safefile.WriteFile(link, []byte("token"), 0o600); !errors.Is(err, safefile.ErrNotOurs) {
		t.Fatalf("WriteFile through a symlink = %v, want a refusal", err)
	}
	if got, _ := os.ReadFile(victim); string(got) != "keep" {
		t.Fatalf("victim changed to %q", got)
	}
}

func TestWriteFileRewritesOurFile0600(t *testing.T) {
	p := filepath.Join(t.TempDir(), "open.html")
	must(t, safefile.WriteFile(p, []byte("a long first content"), 0o600))
	must(t, safefile.WriteFile(p, []byte("short"), 0o600))
	got, _ := os.ReadFile(p)
	fi, _ := os.Stat(p)
	if string(got) != "short" || fi.Mode().Perm() != 0o600 {
		t.Fatalf("content %q mode %v", got, fi.Mode())
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
