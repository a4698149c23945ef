//go:build unix

package instance_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"keyrelay/internal/instance"
	"keyrelay/internal/safefile"
)

// A lock file planted as a symlink (to the operator's ~/.bashrc, say) is
// refused; the file it points to is neither truncated nor written.
func TestSymlinkedLockFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "bashrc")
	const content = "export PATH=$PATH\n"
	if err := os.WriteFile(victim, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, instance.FileName)); err != nil {
		t.Fatal(err)
	}
	release, err := instance.Lock(dir, "127.0.0.1:1")
	if err == nil {
		release()
		t.Fatal("Lock followed a symlinked lock file")
	}
	if !errors.Is(err, safefile.ErrNotOurs) {
		t.Errorf("err = %v, want a refusal naming the symlink", err)
	}
	if got, _ := os.ReadFile(victim); string(got) != content {
		t.Errorf("the symlink's target was changed to %q", got)
	}
}

// A hard link is refused as well: it would pass a symlink check.
func TestHardLinkedLockFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(victim, filepath.Join(dir, instance.FileName)); err != nil {
		t.Fatal(err)
	}
	if release, err := instance.Lock(dir, "127.0.0.1:1"); err == nil {
		release()
		t.Fatal("Lock used a hard-linked lock file")
	}
	if got, _ := os.ReadFile(victim); string(got) != "keep me" {
		t.Errorf("the hard link's target was changed to %q", got)
	}
}
