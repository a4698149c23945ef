// Command perf measures every goal of the performance table (issue 11) in one
// run, each beside the bare baseline it is judged against, and prints the
// table with the ratios:
//
//	go run -tags "$(make -s print-tags)" ./perf        # what `make bench` runs
//
// It builds the real helper, seeds data dirs through the helper itself (50
// shops, 3 apps each, 12 APIs per capture, アプリ一覧 visits with keys close
// to expiry, so the board and alerts have work) and then copies those
// captures in SQL up to 100k rows; every figure is taken from the real
// binary over loopback. Absolute times on a shared machine are noisy: read
// the ratios, which come from the same run.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "bare-serve" {
		bareServe(os.Args[2:])
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "bare-capture-serve" {
		bareCaptureServe(os.Args[2:])
		return
	}
	cfg := config{}
	flag.IntVar(&cfg.rows, "rows", 100_000, "captures in the big data dir")
	flag.IntVar(&cfg.smallRows, "small-rows", 1_000, "captures in the small data dir")
	flag.IntVar(&cfg.captures, "captures", 400, "captures sent one at a time for latency and CPU")
	flag.IntVar(&cfg.burst, "burst", 1_000, "captures in the WAL burst")
	flag.IntVar(&cfg.pages, "pages", 30, "requests per history page kind")
	flag.StringVar(&cfg.helperLog, "helper-log-level", "warn", "the helpers' --log-level; at debug the 100k helper's memory trims are printed")
	flag.BoolVar(&cfg.baselinesOnly, "baselines-only", false, "print the bare baselines and stop")
	flag.DurationVar(&cfg.longIdle, "long-idle", 0, "after the idle RSS after use, leave the 100k helper idle this much longer with one extension connected and print its RSS every 30 s (past the outbox's 5-minute backstop: 6m)")
	keep := flag.String("keep", "", "work in this dir and keep it; seeded data dirs found there are reused")
	flag.Parse()

	work := *keep
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "keyrelay-perf-"); err != nil {
			fail(err)
		}
		defer os.RemoveAll(work)
	}
	cfg.work = work
	cfg.bin = filepath.Join(work, "keyrelay")
	if err := os.MkdirAll(work, 0o700); err != nil {
		fail(err)
	}
	if err := buildHelper(cfg.bin); err != nil {
		fail(err)
	}
	self, err := os.Executable()
	if err != nil {
		fail(err)
	}
	cfg.self = self

	fmt.Printf("# perf goals %s, %d cores, %s, load average %s\n",
		time.Now().UTC().Format("2006-01-02T15:04Z"), runtime.NumCPU(), runtime.Version(), loadAvg())
	r := &report{}
	if err := run(&cfg, r); err != nil {
		r.print()
		fail(err)
	}
	r.print()
	fmt.Printf("# load average at the end: %s\n", loadAvg())
}

type config struct {
	rows, smallRows, captures, burst, pages int

	work, bin, self, helperLog string
	baselinesOnly              bool
	longIdle                   time.Duration
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "perf:", err)
	os.Exit(1)
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	s := string(b)
	if len(s) > 14 {
		s = s[:14]
	}
	return s
}
