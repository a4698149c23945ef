//go:build unix

package sqlite

import (
	"encoding/binary"
	"sync"
	"syscall"
)

// shmWatch is ChangeStamp's descriptor of the -shm file.
type shmWatch struct {
	mu       sync.Mutex
	fd       int
	open     bool // fd is the -shm file's (dev, ino)
	dev, ino uint64
	// stale are descriptors of a -shm file that was replaced; they are
	// closed with the DB, never before (see ChangeStamp).
	stale  []int
	closed bool
}

// readHeader reads the first 96 bytes of the -shm file at path and returns
// them with the file's identity (device and inode).
func (w *shmWatch) readHeader(path string) (hdr, id []byte, ok bool) {
	if w.closed {
		return nil, nil, false
	}
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return nil, nil, false
	}
	dev, ino := uint64(st.Dev), uint64(st.Ino)
	if w.open && (dev != w.dev || ino != w.ino) {
		// Made again since we opened it: keep the old descriptor (closing
		// it is safe only once SQLite no longer uses that file, which we
		// cannot tell here) and read the new file from now on.
		w.stale = append(w.stale, w.fd)
		w.open = false
	}
	if !w.open {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			return nil, nil, false
		}
		var fst syscall.Stat_t
		if err := syscall.Fstat(fd, &fst); err != nil {
			w.stale = append(w.stale, fd)
			return nil, nil, false
		}
		w.fd, w.open, w.dev, w.ino = fd, true, uint64(fst.Dev), uint64(fst.Ino)
		if w.dev != dev || w.ino != ino {
			return nil, nil, false // replaced between the stat and the open
		}
	}
	buf := make([]byte, 2*walIndexHdrSize)
	if n, err := syscall.Pread(w.fd, buf, 0); err != nil || n != len(buf) {
		return nil, nil, false
	}
	id = binary.LittleEndian.AppendUint64(nil, w.dev)
	id = binary.LittleEndian.AppendUint64(id, w.ino)
	return buf, id, true
}

// close closes the descriptors; the DB calls it after SQLite's own
// connections are closed.
func (w *shmWatch) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	if w.open {
		w.stale = append(w.stale, w.fd)
	}
	for _, fd := range w.stale {
		syscall.Close(fd)
	}
	w.stale, w.open = nil, false
}
