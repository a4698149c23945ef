// Command keyrelay is the local helper: it receives license keys from the
// browser extension, keeps them in SQLite and delivers them to GoQSystem.
// This file only wires the internal packages together.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "keyrelay: not wired yet")
	os.Exit(1)
}
