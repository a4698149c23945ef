package sqlite

/*
// Declared here, defined by mattn/go-sqlite3's amalgamation in the same
// binary (its header is not on this package's include path).
extern long long sqlite3_memory_used(void);
extern long long sqlite3_memory_highwater(int resetFlag);
*/
import "C"

// MemoryUsed is what SQLite has allocated now, across every connection of
// the process (page caches, schemas, prepared statements), and the most it
// had at once since the last call (which resets that high-water mark).
func MemoryUsed() (now, highwater int64) {
	return int64(C.sqlite3_memory_used()), int64(C.sqlite3_memory_highwater(1))
}
