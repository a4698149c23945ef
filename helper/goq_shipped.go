//go:build !demo

package main

import "keyrelay/internal/goq"

// buildGoQOptions: the shipped build talks to https://…goqsystem.com only.
func buildGoQOptions() []goq.Option { return nil }
