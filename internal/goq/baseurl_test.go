package goq_test

import (
	"testing"

	"keyrelay/internal/goq"
)

func TestCheckBaseURL(t *testing.T) {
	for u, ok := range map[string]bool{
		"https://order.goqsystem.com/goq21/":  true,
		"https://goqsystem.com/":              true,
		"http://127.0.0.1:8080/goq21/":        true,
		"https://127.0.0.1:8443/goq21/":       true,
		"http://localhost:8080/":              true,
		"http://order.goqsystem.com/goq21/":   false, // a password in clear over the network
		"https://attacker.example/goq21/":     false,
		"https://goqsystem.com.evil.example/": false,
		"https://evilgoqsystem.com/":          false,
		"https://id:pw@order.goqsystem.com/":  false,
		"javascript:alert(1)":                 false,
		"":                                    false,
	} {
		if err := goq.CheckBaseURL(u); (err == nil) != ok {
			t.Errorf("CheckBaseURL(%q) = %v, want ok=%v", u, err, ok)
		}
	}
}
