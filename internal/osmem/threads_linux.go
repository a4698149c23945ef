package osmem

import (
	"os"
	"runtime"
	"strconv"
	"strings"
)

// ShedThreads ends up to n of the OS threads the Go runtime keeps parked
// after a busy period. The Go runtime
// never ends an idle thread by itself, and glibc keeps a cache of freed
// chunks per thread (tcache) that malloc_trim cannot reach: after a burst,
// SQLite's freed page caches and statements sat in a dozen such caches,
// 2–3 MiB of C heap that SQLite itself no longer counted (BENCHMARKS.md,
// Memory). A thread that exits hands its cache back to the arena, which the
// trim after this then returns to the OS.
//
// A goroutine that exits while locked to its thread ends that thread
// (runtime.LockOSThread); each one is started after the previous has run,
// so it lands on whichever thread is parked next. Threads busy in a cgo call
// or a system call are not touched; the runtime starts fresh ones (with
// empty caches) when work comes back. The main thread is parked for good
// instead of ended, which is harmless.
func ShedThreads(n int) {
	for range n {
		done := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			close(done)
			// Returning while locked ends this OS thread.
		}()
		<-done
	}
}

// Threads is the number of OS threads of this process, or 0 when unknown.
func Threads() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}
