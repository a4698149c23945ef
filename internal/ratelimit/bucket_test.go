package ratelimit_test

import (
	"strings"
	"testing"
	"time"

	"keyrelay/internal/ratelimit"
)

func TestBucket(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := ratelimit.New(2, 3)
	for i := range 3 {
		if !b.Allow(t0) {
			t.Fatalf("burst token %d refused", i)
		}
	}
	if b.Allow(t0) {
		t.Fatal("a fourth token in the same instant was allowed")
	}
	if !b.Allow(t0.Add(500 * time.Millisecond)) {
		t.Fatal("a token did not refill after 0.5 s at 2/s")
	}
	if b.Allow(t0.Add(500 * time.Millisecond)) {
		t.Fatal("refilled more than one token")
	}
}

func TestRefusalsCountSkipped(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := ratelimit.NewRefusals()
	recorded := 0
	for range 1000 {
		if ok, _ := r.Admit(t0); ok {
			recorded++
		}
	}
	if recorded != 100 {
		t.Fatalf("recorded %d of a 1,000-refusal burst, want 100", recorded)
	}
	ok, note := r.Admit(t0.Add(time.Second))
	if !ok || !strings.Contains(note, "+900 similar refusals") {
		t.Fatalf("after the flood: ok=%v note=%q, want the 900 skipped named", ok, note)
	}
}
