//go:build !windows

package helpertest

import (
	"os"
	"syscall"
)

// resume sends SIGCONT: a helper a test paused with SIGSTOP cannot exit.
func resume(p *os.Process) { p.Signal(syscall.SIGCONT) }

// defaultStop is the clean-shutdown signal.
var defaultStop os.Signal = syscall.SIGTERM
