package sqlite

import (
	"bytes"
	"encoding/binary"

	"keyrelay/internal/keyrelay"
)

// ChangeStamp reads the change counter of SQLite's WAL index, the header at
// the start of the -shm file (https://www.sqlite.org/walformat.html; wal.c,
// WalIndexHdr), with one pread and no SQL. Every connection of every
// process that commits to the file in WAL mode rewrites this header: iChange
// goes up by one per commit, and nPage and the last frame's checksum move
// with it. A transaction that wrote nothing (the outbox's idle claim)
// rewrites nothing. Checkpoints rewrite the header too (TRUNCATE and a
// writer restarting the log reset mxFrame and the salts), but they change
// no row, so the stamp leaves out the fields only they touch: a checkpoint
// does not read as a change, and the commit after it does (iChange keeps
// counting across checkpoints).
//
// Any doubt is "" (may have changed): no -shm yet, the two copies of the
// header differ (a writer is rewriting it at that moment), a header not
// initialised or of another version, or a -shm that is not the file this
// DB first read (all connections closed and it was made again: SQLite
// then rebuilds the header and iChange starts again from 0).
//
// The -shm file is opened once and stays open until Close. Closing any
// descriptor of a file drops every POSIX lock this process holds on it,
// SQLite's WAL locks included (https://www.sqlite.org/howtocorrupt.html,
// 2.2), so opening and closing it per look could let another process
// write beside our writer. TestChangeStampKeepsSQLiteLocks checks it with a
// second process.
func (db *DB) ChangeStamp() keyrelay.ChangeStamp {
	db.shm.mu.Lock()
	defer db.shm.mu.Unlock()
	hdr, id, ok := db.shm.readHeader(db.path + "-shm")
	if !ok {
		return ""
	}
	return walIndexStamp(hdr, id)
}

var _ keyrelay.ChangeSource = (*DB)(nil)

const (
	// walIndexHdrSize is one copy of WalIndexHdr; the -shm file starts
	// with two.
	walIndexHdrSize = 48
	// walIndexVersion is WalIndexHdr.iVersion (WALINDEX_MAX_VERSION).
	walIndexVersion = 3007000
)

// walIndexStamp turns the -shm file's first 96 bytes (both header copies,
// host byte order) and the file's identity into a stamp, or "".
func walIndexStamp(hdr []byte, id []byte) keyrelay.ChangeStamp {
	if len(hdr) < 2*walIndexHdrSize {
		return ""
	}
	a, b := hdr[:walIndexHdrSize], hdr[walIndexHdrSize:2*walIndexHdrSize]
	if !bytes.Equal(a, b) || binary.NativeEndian.Uint32(a[0:4]) != walIndexVersion || a[12] != 1 {
		return ""
	}
	// Kept: iChange (8), isInit, bigEndCksum, szPage (12), nPage (20),
	// aFrameCksum (24). Left out: mxFrame (16), aSalt (32) and aCksum
	// (40), which a checkpoint alone changes.
	s := make([]byte, 0, len(id)+8+12)
	s = append(s, id...)
	s = append(s, a[8:16]...)
	s = append(s, a[20:32]...)
	return keyrelay.ChangeStamp(s)
}
