//go:build demo

package main

import "keyrelay/internal/goq"

// buildGoQOptions: a demo build also reaches fake GoQ servers over plain
// http on loopback (goq.CheckBaseURL accepts loopback only in this build).
func buildGoQOptions() []goq.Option { return []goq.Option{goq.WithLoopbackHTTP()} }
