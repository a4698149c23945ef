//go:build unix

package main

import "syscall"

// restrictUmask makes everything keyrelay writes the operator's alone: files
// 0600 and directories 0700 whatever the shell's umask.
func restrictUmask() { syscall.Umask(0o077) }
