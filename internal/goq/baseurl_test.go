package goq_test

import (
	"testing"

	"keyrelay/internal/goq"
)

func TestCheckBaseURL(t *testing.T) {
	for _, loopback := range []bool{false, true} {
		t.Cleanup(goq.SetLoopbackAllowed(loopback))
		for u, ok := range map[string]bool{
			"https://order.goqsystem.com/goq21/":  true,
			"https://goqsystem.com/":              true,
			"http://127.0.0.1:8080/goq21/":        loopback,
			"https://127.0.0.1:8443/goq21/":       loopback,
			"http://localhost:8080/":              loopback,
			"https://[::1]:8443/":                 loopback,
			"http://127.1.2.3:8080/":              loopback,
			"http://order.goqsystem.com/goq21/":   false, // a password in clear over the network
			"https://attacker.example/goq21/":     false,
			"https://goqsystem.com.evil.example/": false,
			"https://evilgoqsystem.com/":          false,
			"https://id:pw@order.goqsystem.com/":  false,
			"javascript:alert(1)":                 false,
			"":                                    false,
		} {
			if err := goq.CheckBaseURL(u); (err == nil) != ok {
				t.Errorf("loopback allowed %v: CheckBaseURL(%q) = %v, want ok=%v", loopback, u, err, ok)
			}
		}
	}
}
