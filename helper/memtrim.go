package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"keyrelay/internal/sqlite"
)

// A tray helper spends nearly all its life idle, but a CSV export or a burst
// of captures grows the Go heap for a moment, and the runtime gives those
// pages back to the OS only slowly. trimMemory returns them soon after the
// work ends, so idle RSS stays near a fresh start's.
const (
	trimEvery = 5 * time.Second
	// trimAbove is how much free, unreturned heap is worth a forced GC.
	trimAbove = 1 << 20
)

func trimMemory(ctx context.Context, db *sqlite.DB) {
	t := time.NewTicker(trimEvery)
	defer t.Stop()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > trimAbove {
			debug.FreeOSMemory()
			_ = db.ReleaseMemory(ctx) // best effort: nothing is lost if it fails
		}
	}
}
