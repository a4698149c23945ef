package main

import "testing"

// A trim comes once, on the first quiet tick after busy ones; never while
// busy, never twice in a row.
func TestIdleTrim(t *testing.T) {
	it := &idleTrim{}
	var total uint64
	steps := []struct {
		alloc uint64
		trim  bool
	}{
		{1 << 10, false},       // idle from the start: nothing to give back
		{busyAlloc + 1, false}, // busy
		{busyAlloc * 5, false}, // still busy
		{busyAlloc / 2, true},  // quiet again: trim
		{1 << 10, false},       // still quiet: not again
		{busyAlloc, false},     // exactly busyAlloc is not busy
		{busyAlloc + 1, false}, // busy
		{0, true},              // quiet
	}
	for i, s := range steps {
		total += s.alloc
		if got := it.tick(total); got != s.trim {
			t.Fatalf("tick %d (allocated %d): trim %v, want %v", i, s.alloc, got, s.trim)
		}
	}
}
