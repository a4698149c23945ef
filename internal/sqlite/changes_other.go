//go:build !unix

package sqlite

import "sync"

// shmWatch reads nothing outside Unix: on Windows SQLite maps the -shm file
// through a file mapping of its own, and reading it beside that is not
// tested here, so ChangeStamp always says "may have changed" and the
// loops that use it poll as they did before it existed.
type shmWatch struct {
	mu sync.Mutex
}

func (w *shmWatch) readHeader(string) (hdr, id []byte, ok bool) { return nil, nil, false }

func (w *shmWatch) close() {}
