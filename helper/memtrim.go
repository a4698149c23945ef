package main

import (
	"context"
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"time"

	"keyrelay/internal/osmem"
	"keyrelay/internal/sqlite"
)

// A tray helper spends nearly all its life idle, but a CSV export or a burst
// of captures grows the Go heap and SQLite's caches for a moment, and
// neither gives pages back to the OS soon by itself. trimMemory does, once,
// when a busy period ends, so idle RSS returns near a fresh start's; and once
// right after start. Besides the Go heap and SQLite's caches it unmaps the
// binary's code pages (osmem.ReleaseFilePages): they stay in the OS page
// cache, so this lowers RSS without freeing machine memory, and the code
// that runs next maps its pages back (BENCHMARKS.md, Memory, says how much).
const (
	trimEvery = 5 * time.Second
	// busyAlloc is how much the Go heap must allocate in one tick to count
	// as work; the outbox's idle polls allocate a few KiB.
	busyAlloc = 1 << 20
	// settleAfterStart is when the trim after start runs.
	settleAfterStart = time.Second
	// regrowFile is how much of the binary's unmapped pages must have come
	// back during a quiet spell to trim again: an idle look at the store
	// (the outbox's backstop, the reminder's daily check) or a page view
	// that allocated little maps about 4 MiB of large folios back, while
	// the idle ticks themselves map next to none (BENCHMARKS.md, Memory).
	regrowFile = 2 << 20
	// regrowAfter is the least time between such trims.
	regrowAfter = time.Minute
	// codeWokeGap is the least time between a trim for a burst of code
	// (idleTrim.tick) and the next such trim: should a trim's own work ever
	// map regrowFile back (a page cache that kept its large folios), the
	// helper trims once more, not every tick.
	codeWokeGap = 30 * time.Second
)

func trimMemory(ctx context.Context, db *sqlite.DB, log *slog.Logger) {
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
	trim := func() {
		// The figures are for the debug log only: not read otherwise.
		debugLog := log.Enabled(ctx, slog.LevelDebug)
		var before string
		if debugLog {
			before = rssFigures()
		}
		debug.FreeOSMemory()
		_ = db.ReleaseMemory(ctx) // best effort: nothing is lost if it fails
		// Then end the parked threads: their malloc caches (including what
		// closing the idle readers just freed) go back to the arena, and
		// the second ReleaseMemory's malloc_trim returns those pages too.
		threads := osmem.Threads()
		osmem.ShedThreads(threads)
		_ = db.ReleaseMemory(ctx)
		r, err := osmem.ReleaseFilePages()
		if err != nil {
			log.Debug("releasing file pages", "err", err)
		}
		if debugLog {
			log.Debug("idle: memory returned to the OS", append(memoryFigures(),
				"threads_before", threads, "threads_after", osmem.Threads(), "file_mappings", r.Mappings,
				"file_pages_released", r.Bytes, "before", before, "after", rssFigures())...)
		}
	}
	// Start-up work (migrations, templates, the first reads, mapping the
	// binary) is over a moment after the helper serves: its garbage goes
	// then, not at the first GC, whenever that comes.
	select {
	case <-ctx.Done():
		return
	case <-time.After(settleAfterStart):
	}
	trim()
	// Once: the binary goes back into the page cache in small pages, so
	// what idle code maps back after a trim is what it runs, not whole
	// large folios (osmem.RecacheExecutable).
	if err := osmem.RecacheExecutable(); err != nil {
		log.Debug("re-reading the executable in small pages", "err", err)
	}
	it := &idleTrim{last: allocs()}
	it.trimmed(osmem.FileResident(), time.Now())
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		file, now := osmem.FileResident(), time.Now()
		trimNow := it.tick(allocs(), file, now)
		if !trimNow && !it.busy {
			trimNow = it.regrown(file, now)
		}
		if trimNow {
			trim()
			it.trimmed(osmem.FileResident(), time.Now())
		}
	}
}

// idleTrim tells, one tick at a time, when a busy period has just ended,
// when a burst of code ran that allocated little, and when the code pages a
// trim unmapped came back slowly while quiet.
type idleTrim struct {
	last uint64 // heap allocations counted at the previous tick
	// lastFile is the file-backed memory resident at the previous tick or
	// at the end of the last trim; 0: unknown.
	lastFile int64
	// lastByCode: the last trim was for a burst of code (tick), not for
	// work that ended or for slow regrowth.
	lastByCode bool
	busy       bool
	// fileBase is the least file-backed memory resident since the last
	// trim (measured at its end, after its own log line); 0: unknown.
	fileBase int64
	lastTrim time.Time
}

// trimmed records a trim that ended at now with file bytes of file-backed
// memory resident.
func (it *idleTrim) trimmed(file int64, now time.Time) {
	it.fileBase, it.lastTrim, it.lastFile = file, now, file
}

// regrown takes the file-backed memory resident at a quiet tick and reports
// whether regrowFile of it came back since the last trim, which must be
// regrowAfter ago: should the idle ticks alone ever map that much back,
// the helper trims once a minute, not every tick. Such a trim is not one
// for a burst of code (tick's codeWokeGap does not hold one back after it).
func (it *idleTrim) regrown(file int64, now time.Time) bool {
	switch {
	case file <= 0 || it.fileBase <= 0:
		return false // unknown (not Linux)
	case file < it.fileBase:
		it.fileBase = file
		return false
	}
	if file-it.fileBase < regrowFile || now.Sub(it.lastTrim) < regrowAfter {
		return false
	}
	it.lastByCode = false
	return true
}

// tick takes the heap's cumulative allocations and the file-backed memory
// resident at now, and reports whether to trim: on the first tick that
// allocated less than busyAlloc after ticks that allocated more, and on a
// tick that mapped regrowFile of code back while allocating little (an
// extension connecting maps about 5 MiB of code for 0.3 MiB of heap: the
// HTTP upgrade, the authentication, SQLite opening a reader), unless the
// last trim was such a one less than codeWokeGap ago. So an idle helper
// trims once, or twice when its last trim's own work mapped regrowFile of
// code back, not every tick.
func (it *idleTrim) tick(allocs uint64, file int64, now time.Time) bool {
	busyNow := allocs-it.last > busyAlloc
	codeWoke := it.lastFile > 0 && file > 0 && file-it.lastFile >= regrowFile
	it.last, it.lastFile = allocs, file
	switch {
	case busyNow:
		it.busy = true
		return false
	case it.busy:
		it.busy, it.lastByCode = false, false
		return true
	case codeWoke && (!it.lastByCode || now.Sub(it.lastTrim) >= codeWokeGap):
		it.lastByCode = true
		return true
	}
	return false
}

// memoryFigures are the Go runtime's and SQLite's own accounts of their
// memory, for the debug log line of each trim (BENCHMARKS.md, Memory).
func memoryFigures() []any {
	names := []string{
		"/memory/classes/heap/objects:bytes",
		"/memory/classes/heap/unused:bytes",
		"/memory/classes/heap/free:bytes",
		"/memory/classes/heap/stacks:bytes",
		"/memory/classes/os-stacks:bytes",
		"/memory/classes/metadata/other:bytes",
		"/memory/classes/total:bytes",
	}
	samples := make([]metrics.Sample, len(names))
	for i, n := range names {
		samples[i].Name = n
	}
	metrics.Read(samples)
	var out []any
	for _, s := range samples {
		if s.Value.Kind() == metrics.KindUint64 {
			out = append(out, "go"+strings.ReplaceAll(strings.TrimSuffix(s.Name, ":bytes"), "/memory/classes", ""), s.Value.Uint64())
		}
	}
	used, high := sqlite.MemoryUsed()
	return append(out, "sqlite_used", used, "sqlite_highwater", high)
}

// rssFigures is the RssAnon and RssFile lines of /proc/self/status (Linux;
// "" elsewhere).
func rssFigures() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "RssAnon:") || strings.HasPrefix(l, "RssFile:") {
			out = append(out, strings.Join(strings.Fields(l), " "))
		}
	}
	return strings.Join(out, ", ")
}
