//go:build windows

package helpertest

import "os"

func resume(*os.Process) {}

// defaultStop: Windows can deliver no SIGTERM to another process; Kill is
// all os.Process offers there.
var defaultStop os.Signal = os.Kill
