//go:build unix

package sqlite

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// TestShmWatchFileMadeAgain: a -shm file replaced by a new one (every
// connection closed, then one opened again: SQLite rebuilds the header and
// its counter starts again) never reads as unchanged, even with the same
// bytes; a missing file is unknown.
func TestShmWatchFileMadeAgain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyrelay.db-shm")
	h := make([]byte, walIndexHdrSize)
	binary.NativeEndian.PutUint32(h[0:], walIndexVersion)
	binary.NativeEndian.PutUint32(h[8:], 7)
	h[12] = 1
	hdr := append(append(h, h...), make([]byte, 40)...)
	write := func() {
		t.Helper()
		tmp := path + ".new"
		if err := os.WriteFile(tmp, hdr, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	w := &shmWatch{}
	defer w.close()
	stamp := func() string {
		b, id, ok := w.readHeader(path)
		if !ok {
			return ""
		}
		return string(walIndexStamp(b, id))
	}
	if got := stamp(); got != "" {
		t.Fatalf("no -shm file: stamp %q, want \"\"", got)
	}
	write()
	a := stamp()
	if a == "" || stamp() != a {
		t.Fatalf("the same file twice: %q, then another", a)
	}
	write() // the same bytes, a new file
	if b := stamp(); b == "" || b == a {
		t.Fatalf("a -shm file made again gave stamp %q (before: %q); want another", b, a)
	}
	if len(w.stale) != 1 {
		t.Fatalf("%d descriptors kept for the replaced file, want 1 (closed only with the DB)", len(w.stale))
	}
}
