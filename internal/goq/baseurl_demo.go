//go:build demo

package goq

// The demo build talks to fake GoQ servers on loopback; this file, and so
// this exception, is compiled only with -tags demo.
func init() { loopbackAllowed.Store(true) }
