package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"keyrelay/internal/sqlite"
)

// A tray helper spends nearly all its life idle, but a CSV export or a burst
// of captures grows the Go heap and SQLite's caches for a moment, and
// neither gives pages back to the OS soon by itself. trimMemory does, once,
// when a busy period ends, so idle RSS returns near a fresh start's.
const (
	trimEvery = 5 * time.Second
	// busyAlloc is how much the Go heap must allocate in one tick to count
	// as work; the outbox's idle polls allocate a few KiB.
	busyAlloc = 1 << 20
)

func trimMemory(ctx context.Context, db *sqlite.DB) {
	t := time.NewTicker(trimEvery)
	defer t.Stop()
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	allocs := func() uint64 {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return sample[0].Value.Uint64()
	}
	last, busy := allocs(), false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := allocs()
		switch {
		case now-last > busyAlloc:
			busy = true
		case busy:
			busy = false
			debug.FreeOSMemory()
			_ = db.ReleaseMemory(ctx) // best effort: nothing is lost if it fails
		}
		last = now
	}
}
