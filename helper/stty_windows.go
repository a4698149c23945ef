//go:build windows

package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// stty turns the console's echo off ("-echo") or on ("echo"): Windows has no
// stty, and the console mode's ENABLE_ECHO_INPUT is what it would change.
func stty(tty *os.File, arg string) error {
	h := windows.Handle(tty.Fd())
	var mode uint32
	if err := windows.GetConsoleMode(h, &mode); err != nil {
		return fmt.Errorf("console mode: %w", err)
	}
	switch arg {
	case "-echo":
		mode &^= windows.ENABLE_ECHO_INPUT
	case "echo":
		mode |= windows.ENABLE_ECHO_INPUT
	default:
		return fmt.Errorf("stty %s: unsupported", arg)
	}
	return windows.SetConsoleMode(h, mode)
}
