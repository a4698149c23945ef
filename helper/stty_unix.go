//go:build !windows

package main

import (
	"os"
	"os/exec"
)

// stty turns the terminal's echo off ("-echo") or on ("echo").
func stty(tty *os.File, arg string) error {
	cmd := exec.Command("stty", arg)
	cmd.Stdin = tty
	return cmd.Run()
}
