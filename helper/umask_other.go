//go:build !unix

package main

// restrictUmask: there is no umask here; files are created with explicit
// modes and the data dir lives in the user's own profile.
func restrictUmask() {}
