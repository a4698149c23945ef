package osmem

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

// perTouch maps path and reads one byte of every 256 KiB of it, returning
// the file-backed memory each read mapped (statm's resident shared pages,
// before and after): what one fault on the helper's code maps back after a
// trim, since every mapping of a file shares its page-cache folios.
func perTouch(t *testing.T, path string) []int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	b, err := unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(b)
	var grew []int64
	for off := 0; off < len(b); off += 256 << 10 {
		before := FileResident()
		sink += b[off]
		grew = append(grew, FileResident()-before)
	}
	return grew
}

// sink keeps the compiler from dropping perTouch's reads.
var sink byte

// A file written in one large write is cached in large folios (up to
// 2 MiB on Linux 6.18 ext4, as `go build -o` leaves a binary), and reading
// one byte maps a whole folio. After recache, nothing maps more than the
// fault-around window (64 KiB) per read: neither the half of the file that
// this process mapped during recache (paged out) nor the half it did not
// (dropped from the cache).
func TestRecacheSmallPages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(path, bytes.Repeat([]byte("keyrelay"), 2<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	before := slices.Max(perTouch(t, path))
	if before < 512<<10 {
		t.Skipf("this kernel or file system did not cache a 16 MiB write in large folios (one read mapped %d KiB at most): nothing to undo", before>>10)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	half, err := unix.Mmap(int(f.Fd()), 0, 8<<20, unix.PROT_READ, unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(half)
	for off := 0; off < len(half); off += 4096 {
		sink += half[off]
	}
	id, err := fileIDOf(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := recache(f, id); err != nil {
		t.Fatal(err)
	}
	after := perTouch(t, path)
	t.Logf("mapped per 1-byte read: at most %d KiB before, %d KiB after", before>>10, slices.Max(after)>>10)
	for i, grew := range after {
		if grew > 128<<10 {
			t.Errorf("the read at %d MiB maps %d KiB after recache, want at most 128 KiB", i/4, grew>>10)
		}
	}
}

// The real call on the test binary succeeds, and its code still runs.
func TestRecacheExecutable(t *testing.T) {
	if err := RecacheExecutable(); err != nil {
		t.Fatal(err)
	}
	if _, err := ReleaseFilePages(); err != nil {
		t.Fatal(err)
	}
}
