//go:build linux && cgo

package sqlite

/*
#include <malloc.h>

// glibc gives each thread that mallocs while another holds the lock an
// arena of its own, and SQLite runs on whichever OS thread a cgo call lands
// on: after a burst the helper kept five arenas of freed pages (~3 MiB).
// One arena is plenty for one writer and a few readers. A constructor runs
// before the Go runtime starts its threads; mallopt from Go's init came too
// late to matter (measured: docs/bench-*.txt, RssAnon after a burst).
static void __attribute__((constructor)) keyrelay_one_malloc_arena(void) { mallopt(M_ARENA_MAX, 1); }
*/
import "C"

// trimCHeap hands freed malloc pages (SQLite's page caches, statements and
// FTS5 buffers live there) back to the OS.
func trimCHeap() { C.malloc_trim(0) }
