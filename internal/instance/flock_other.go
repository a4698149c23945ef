//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly || windows)

package instance

import "os"

// Platforms without flock run unguarded rather than not at all.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) {}
