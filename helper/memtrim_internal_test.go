package main

import (
	"testing"
	"time"
)

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
		if got := it.tick(total, 0, time.Time{}); got != s.trim {
			t.Fatalf("tick %d (allocated %d): trim %v, want %v", i, s.alloc, got, s.trim)
		}
	}
}

// A tick that mapped regrowFile of code back while allocating little (an
// extension connecting) trims at once, right after any other trim too,
// but not within codeWokeGap of the last such trim; a busy tick waits for
// the quiet one.
func TestIdleTrimCodeWoke(t *testing.T) {
	const mib = 1 << 20
	t0 := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	it := &idleTrim{}
	it.trimmed(8*mib, t0)
	var total uint64
	steps := []struct {
		after time.Duration // since t0
		alloc uint64
		grow  int64 // file-backed memory since the previous tick; -1: unknown
		trim  bool
	}{
		{5 * time.Second, 1 << 10, regrowFile - 1, false},    // the trim's own work mapped some back
		{10 * time.Second, 300 << 10, regrowFile - 1, false}, // not quite regrowFile more
		{15 * time.Second, 300 << 10, regrowFile, true},      // a page view: code back, little heap
		{20 * time.Second, 1 << 10, 2 * regrowFile, false},   // again, within codeWokeGap of it
		{25 * time.Second, busyAlloc + 1, regrowFile, false}, // busy: wait
		{30 * time.Second, 1 << 10, 0, true},                 // quiet after busy
		{35 * time.Second, 1 << 10, regrowFile, true},        // connecting right after that trim
		{40 * time.Second, 1 << 10, regrowFile, false},       // within codeWokeGap of that one
		{45 * time.Second, 1 << 10, -1, false},               // unknown (not Linux)
		{50 * time.Second, 1 << 10, 3 * regrowFile, false},   // after an unknown: measured only
		{65 * time.Second, 1 << 10, regrowFile, true},        // codeWokeGap after the last such trim
	}
	file := int64(8 * mib)
	for i, s := range steps {
		total += s.alloc
		at := t0.Add(s.after)
		resident := int64(0)
		if s.grow >= 0 {
			file += s.grow
			resident = file
		}
		if got := it.tick(total, resident, at); got != s.trim {
			t.Fatalf("tick %d (allocated %d, %d bytes resident): trim %v, want %v", i, s.alloc, resident, got, s.trim)
		}
		if s.trim {
			it.trimmed(file, at)
		}
	}
}

// After a trim, code pages that come back during a quiet spell (an idle look
// at the store) trim again once regrowFile of them are back, and not sooner
// than regrowAfter after the last trim.
func TestIdleTrimRegrown(t *testing.T) {
	const mib = 1 << 20
	t0 := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	it := &idleTrim{}
	if it.regrown(20*mib, t0.Add(time.Hour)) {
		t.Fatal("trim before any trim was measured")
	}
	it.trimmed(9*mib, t0)
	later := t0.Add(regrowAfter)
	steps := []struct {
		file int64
		at   time.Time
		trim bool
	}{
		{0, later, false},                                // unknown: never
		{8 * mib, later, false},                          // lower than after the trim: the new measure
		{8*mib + regrowFile - 1, later, false},           // not enough back
		{8*mib + regrowFile, t0.Add(time.Second), false}, // enough, but right after the trim
		{8*mib + regrowFile, later, true},                // an idle look mapped 2 MiB back
	}
	for i, s := range steps {
		if got := it.regrown(s.file, s.at); got != s.trim {
			t.Fatalf("step %d (%d bytes resident): trim %v, want %v", i, s.file, got, s.trim)
		}
	}
}
