package osmem

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// RecacheExecutable puts the executable's pages back into the OS page cache
// in small pages, so that each later fault on its code maps at most the
// fault-around window (64 KiB) instead of a whole large folio. The helper
// calls it once, at its first idle trim.
//
// Why: how a file sits in the page cache decides how much one fault maps.
// A binary written in large writes (`go build -o`, an installer's copy) is
// cached in folios of up to 2 MiB on Linux 6.18 with ext4, and touching one
// byte of such a folio maps all of it. An idle helper with an extension
// connected touches a few dozen code pages (the ping, the runtime's GC, the
// trim's own tick); in large folios that mapped 3–5 MiB back after every
// ReleaseFilePages, and connecting mapped 5 MiB more (BENCHMARKS.md,
// Memory).
//
// It writes the file back first (fdatasync: a binary installed a moment
// ago may still be dirty, and dirty pages are not dropped), drops the cached
// pages that nothing maps (POSIX_FADV_DONTNEED), pages out the ones this
// process maps (MADV_PAGEOUT, on the mappings ReleaseFilePages would unmap;
// a page another process maps is left alone), and asks the kernel to read
// the file back now (POSIX_FADV_WILLNEED reads in single pages), so the
// next use of the code finds it cached. Dropping a clean page of a file
// loses nothing: the file on disk is the same, and a running executable
// cannot be written (ETXTBSY). The cost is one read of the binary.
func RecacheExecutable() error {
	f, err := os.Open("/proc/self/exe")
	if err != nil {
		return fmt.Errorf("osmem: %w", err)
	}
	defer f.Close()
	id, err := fileIDOf("/proc/self/exe")
	if err != nil {
		return err
	}
	return recache(f, id)
}

// recache is RecacheExecutable for the open file f, which smaps names id.
func recache(f *os.File, id fileID) error {
	fd := int(f.Fd())
	if err := unix.Fdatasync(fd); err != nil {
		return fmt.Errorf("osmem: fdatasync: %w", err)
	}
	if err := unix.Fadvise(fd, 0, 0, unix.FADV_DONTNEED); err != nil {
		return fmt.Errorf("osmem: dropping cached pages: %w", err)
	}
	// Linux before 5.4 has no MADV_PAGEOUT (EINVAL): the mapped pages then
	// keep their folios, the rest is still re-read in small pages.
	_, pageoutErr := advise(id, unix.MADV_PAGEOUT)
	if err := unix.Fadvise(fd, 0, 0, unix.FADV_WILLNEED); err != nil {
		return fmt.Errorf("osmem: reading back: %w", err)
	}
	return pageoutErr
}
