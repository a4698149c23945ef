//go:build !linux

package osmem

// ReleaseFilePages does nothing outside Linux (see filepages_linux.go).
func ReleaseFilePages() (Released, error) { return Released{}, nil }

// ShedThreads does nothing outside Linux (see threads_linux.go): glibc's
// per-thread caches are what it is for.
func ShedThreads(n int) {}

// Threads is 0 outside Linux.
func Threads() int { return 0 }

// FileResident is 0 (unknown) outside Linux.
func FileResident() int64 { return 0 }

// RecacheExecutable does nothing outside Linux (see recache_linux.go).
func RecacheExecutable() error { return nil }
