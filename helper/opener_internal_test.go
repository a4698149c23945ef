package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"keyrelay/internal/keyrelay"
)

type oneToken struct{ keyrelay.SessionService }

func (oneToken) CreateLoginToken(context.Context) (string, error) { return "tok_SECRET_123", nil }

// The tray's 履歴を開く and keyrelay open hand the browser the opener file's
// URL, never the token; the 0600 file holds the login URL.
func TestOpenerKeepsTokenOffTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	u, err := writeOpener(context.Background(), oneToken{}, dir, "127.0.0.1:27415", "/pairings")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "file:///") || strings.Contains(u, "tok_SECRET_123") {
		t.Fatalf("browser URL %q", u)
	}
	path := filepath.Join(dir, openerFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "http://127.0.0.1:27415/login?token=tok_SECRET_123&amp;next=%2Fpairings") {
		t.Errorf("opener:\n%s", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("opener mode %v", fi.Mode())
	}
	// A symlink planted in its place is refused, its target untouched.
	os.Remove(path)
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("keep"), 0o644)
	if err := os.Symlink(victim, path); err != nil {
		t.Fatal(err)
	}
	if _, err := writeOpener(context.Background(), oneToken{}, dir, "127.0.0.1:27415", ""); err == nil {
		t.Fatal("wrote the opener through a symlink")
	}
	if got, _ := os.ReadFile(victim); string(got) != "keep" {
		t.Fatalf("victim now %q", got)
	}
}
