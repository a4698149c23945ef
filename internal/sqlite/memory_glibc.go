//go:build linux && cgo

package sqlite

/*
#include <malloc.h>
*/
import "C"

// trimCHeap hands freed malloc pages (SQLite's page caches, statements and
// the FTS5 buffers live there) back to the OS. glibc keeps an arena per
// busy thread and returns little by itself.
func trimCHeap() { C.malloc_trim(0) }
