// Package outbox delivers committed captures to their destinations (GoQSystem
// first): it claims due deliveries from the durable outbox in the store, posts
// each key through a keyrelay.Destination, and records every attempt.
//
// Exactly-once rests on three things the worker does not do itself: the store
// leases at most one delivery per shop at a time and reclaims expired leases
// (a crashed helper's work), a newer capture supersedes an older undelivered
// one in the same transaction, and a destination that already holds the key
// reports already_current instead of posting again.
//
// How the worker notices work. In this process: Wake (a capture, a retry
// click, new credentials, Resume) and the end of an attempt make Run claim at
// once. Work made due by other processes (`keyrelay goq set-login`, `goq
// assign`, anything writing the same file) or by the clock (a retry's
// backoff, an expired lease) is found by a tick every PollInterval, which
// runs SQL only when it can find something: when the store's ChangeStamp
// moved since the last look (a commit by any process), when the earliest
// due time the last look saw (DeliveryService.NextDue) has come, or when
// Backstop has passed since the last look. An unknown stamp counts as a
// change, so a store that cannot tell is polled every tick, as before.
// waiting_login deliveries are woken (WakeWaitingLogin, a write
// transaction) every LoginPoll, also only when something changed since the
// last wake. An idle helper thus runs no SQL at all between changes, which
// keeps the code that SQL runs unmapped after the idle trim (BENCHMARKS.md,
// Memory) and lets a laptop sleep.
package outbox

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"keyrelay/internal/keyrelay"
)

// Defaults for the Worker's tunables.
const (
	DefaultConcurrency   = 4
	DefaultLease         = 2 * time.Minute
	DefaultMaxAttempts   = 8
	DefaultBaseBackoff   = 5 * time.Second
	DefaultMaxBackoff    = 30 * time.Minute
	DefaultPollInterval  = 2 * time.Second
	DefaultShutdownGrace = 5 * time.Second
	// DefaultLoginPoll is how often Run asks the store to wake waiting_login
	// deliveries on its own: credentials may be set by `keyrelay goq
	// set-login`, another process that cannot call Wake.
	DefaultLoginPoll = 30 * time.Second
	// DefaultBackstop is the longest Run goes without looking at the store
	// while Changes reports no commit and nothing is due. It bounds the
	// delay of a change the stamp could miss (a writer that bypasses the
	// WAL index, or a rebuilt index whose counter came back to the same
	// value: see sqlite.DB.ChangeStamp), which should never happen, so it
	// only has to be short next to what a late delivery costs: five
	// minutes, the reminder's old interval. One look per five minutes costs
	// a millisecond of CPU and maps some code back, which the helper's idle
	// trim unmaps again (helper/memtrim.go).
	DefaultBackstop = 5 * time.Minute
)

// Worker is the outbox worker pool. Set the dependencies, then call Run (the
// helper) or Once (tests). The zero value of every tunable means its default.
type Worker struct {
	Deliveries   keyrelay.DeliveryService
	Captures     keyrelay.CaptureService
	Shops        keyrelay.ShopService
	Credentials  keyrelay.CredentialService
	Destinations map[string]keyrelay.Destination // by Destination.Name()
	Events       keyrelay.EventSink              // may be nil
	// Modes and Browser serve shops in browser mode (browser.go); with
	// Modes nil every shop is in helper mode. GoQBaseURL is where the
	// extension opens GoQ.
	Modes      keyrelay.DeliveryModeService
	Browser    keyrelay.BrowserRelay
	GoQBaseURL string
	Logger     *slog.Logger     // nil: slog.Default()
	Now        func() time.Time // nil: time.Now

	Concurrency  int           // deliveries in flight at once (at most one per shop)
	Lease        time.Duration // how long a claim lasts; each Deliver gets Lease/2
	MaxAttempts  int           // for transient failures; see attemptLimit
	BaseBackoff  time.Duration
	MaxBackoff   time.Duration
	PollInterval time.Duration // how often Run looks for due work unprompted
	LoginPoll    time.Duration // how often Run calls WakeWaitingLogin unprompted
	// Changes tells Run whether the store changed since its last look, by
	// any process; nil: every tick looks (and every LoginPoll wakes), as if
	// it always had.
	Changes  keyrelay.ChangeSource
	Backstop time.Duration // longest time between looks; see DefaultBackstop
	// Ticks, when set, replaces the PollInterval ticker (tests send their
	// own ticks).
	Ticks <-chan time.Time
	// ShutdownGrace is how long Run lets in-flight deliveries finish after its
	// context ends before cancelling them; their leases are then released.
	ShutdownGrace time.Duration
	Rand          rand.Source // jitter; nil: seeded from the runtime

	initOnce sync.Once
	randMu   sync.Mutex
	wake     chan struct{}
	paused   atomic.Bool
}

func (w *Worker) init() {
	w.initOnce.Do(func() {
		w.wake = make(chan struct{}, 1)
		if w.Logger == nil {
			w.Logger = slog.Default()
		}
		if w.Now == nil {
			w.Now = time.Now
		}
		if w.Concurrency <= 0 {
			w.Concurrency = DefaultConcurrency
		}
		if w.Lease <= 0 {
			w.Lease = DefaultLease
		}
		if w.MaxAttempts <= 0 {
			w.MaxAttempts = DefaultMaxAttempts
		}
		if w.BaseBackoff <= 0 {
			w.BaseBackoff = DefaultBaseBackoff
		}
		if w.MaxBackoff <= 0 {
			w.MaxBackoff = DefaultMaxBackoff
		}
		if w.MaxBackoff < w.BaseBackoff {
			w.MaxBackoff = w.BaseBackoff
		}
		if w.PollInterval <= 0 {
			w.PollInterval = DefaultPollInterval
		}
		if w.LoginPoll <= 0 {
			w.LoginPoll = DefaultLoginPoll
		}
		if w.Backstop <= 0 {
			w.Backstop = DefaultBackstop
		}
		if w.ShutdownGrace <= 0 {
			w.ShutdownGrace = DefaultShutdownGrace
		}
		if w.Rand == nil {
			w.Rand = rand.NewPCG(rand.Uint64(), rand.Uint64())
		}
	})
}

// Wake asks Run to look for due work now: after a capture, a retry click or new
// credentials. It never blocks.
func (w *Worker) Wake() {
	w.init()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Pause stops claiming new deliveries (一時停止). Deliveries already in flight
// finish; nothing is lost, due work waits in the outbox.
func (w *Worker) Pause() { w.paused.Store(true) }

// Resume undoes Pause (再開) and looks for due work at once.
func (w *Worker) Resume() {
	w.paused.Store(false)
	w.Wake()
}

// Paused reports whether the worker is paused.
func (w *Worker) Paused() bool { return w.paused.Load() }

// Once claims what is due now (up to Concurrency deliveries) and runs them to
// their next state. It returns how many it ran. It claims nothing while paused.
// It is for tests and one-shot tools: a delivery cut off by ctx keeps its
// lease until the lease expires (Run releases them instead).
func (w *Worker) Once(ctx context.Context) (int, error) {
	w.init()
	if w.Paused() {
		return 0, nil
	}
	ds, err := w.Deliveries.ClaimDue(ctx, w.Now(), w.Lease, w.Concurrency)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, d := range ds {
		wg.Go(func() { w.attempt(ctx, d) })
	}
	wg.Wait()
	return len(ds), nil
}

// Run delivers until ctx ends and returns nil. Then it stops claiming, gives in-flight
// deliveries ShutdownGrace to finish, cancels the rest and releases their
// leases so the next start picks them up at once instead of after the lease.
func (w *Worker) Run(ctx context.Context) error {
	w.init()
	// In-flight deliveries outlive ctx by the grace period: one cut off
	// between GoQ's save and our record would be safe (the retry finds the
	// key already current) but would show the operator a needless retry.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()

	var wg sync.WaitGroup
	done := make(chan struct{}, w.Concurrency)
	inFlight := 0
	ticks := w.Ticks
	if ticks == nil {
		poll := time.NewTicker(w.PollInterval)
		defer poll.Stop()
		ticks = poll.C
	}
	claimFailing := false

	var look, login lookState
	w.wakeWaitingLogin(ctx, &login)
	// again: claim now; looking: this claim is a tick's look, which also
	// records what the store's state and next due time were.
	again, looking := true, true
	for {
		if again && !w.Paused() && inFlight < w.Concurrency && ctx.Err() == nil {
			again = false
			var stamp keyrelay.ChangeStamp
			if looking {
				// Before the SQL: a commit while it runs is a change for
				// the next tick.
				stamp = keyrelay.StampOf(w.Changes)
			}
			ds, err := w.Deliveries.ClaimDue(ctx, w.Now(), w.Lease, w.Concurrency-inFlight)
			switch {
			case err != nil && ctx.Err() == nil:
				// Logged once per outage, not once per poll.
				if !claimFailing {
					w.Logger.Error("outbox: claiming due deliveries failed", "err", err)
				}
				claimFailing = true
			case err == nil:
				if claimFailing {
					w.Logger.Info("outbox: claiming due deliveries works again")
				}
				claimFailing = false
			}
			if looking {
				looking = false
				w.looked(ctx, &look, stamp, err == nil)
			}
			for _, d := range ds {
				inFlight++
				wg.Go(func() {
					w.attempt(workCtx, d)
					done <- struct{}{}
				})
			}
		}
		select {
		case <-ctx.Done():
			w.shutdown(&wg, stopWork)
			return nil
		case <-done:
			// The shop that just finished may have its next delivery due.
			inFlight--
			again = true
		case <-w.wake:
			again = true
		case t := <-ticks:
			// Intervals (LoginPoll, Backstop) are counted in the ticks' own
			// time, due times in the store's (Now).
			now, stamp := w.Now(), keyrelay.StampOf(w.Changes)
			if login.since(t) >= w.LoginPoll && login.due(t, now, stamp, w.Backstop) {
				login.at = t
				if w.wakeWaitingLogin(ctx, &login) > 0 {
					again = true
				}
			}
			if look.due(t, now, stamp, w.Backstop) {
				look.at = t
				again, looking = true, true
			}
		}
	}
}

// lookState is what Run knew at its last look at the store: the store's
// change stamp then, the earliest due time it saw, and the tick it looked at.
type lookState struct {
	stamp keyrelay.ChangeStamp
	next  time.Time // in the store's time; zero: nothing waits on the clock
	ok    bool      // the look succeeded
	at    time.Time // the tick's time; zero until the first tick
}

// since is how long before tick t the last tick-driven look was; the first
// tick starts the count.
func (l *lookState) since(t time.Time) time.Duration {
	if l.at.IsZero() {
		l.at = t
	}
	return t.Sub(l.at)
}

// due reports whether tick t (at now in the store's time) must look again:
// the store changed or cannot tell, the next due time came, or backstop
// passed since the last look.
func (l *lookState) due(t, now time.Time, stamp keyrelay.ChangeStamp, backstop time.Duration) bool {
	return !l.ok || !stamp.Same(l.stamp) || (!l.next.IsZero() && !now.Before(l.next)) || l.since(t) >= backstop
}

// looked records in l a look that began at stamp; after a claim, it asks
// the store for the next due time, unless there is no stamp to save SQL for.
func (w *Worker) looked(ctx context.Context, l *lookState, stamp keyrelay.ChangeStamp, ok bool) {
	l.stamp, l.next, l.ok = stamp, time.Time{}, ok && stamp != ""
	if !l.ok {
		return
	}
	next, err := w.Deliveries.NextDue(ctx)
	if err != nil {
		if ctx.Err() == nil {
			w.Logger.Warn("outbox: reading the next due time failed; looking at every tick", "err", err)
		}
		l.ok = false
		return
	}
	l.next = next
}

func (w *Worker) shutdown(wg *sync.WaitGroup, stopWork context.CancelFunc) {
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(w.ShutdownGrace):
		stopWork()
		<-finished
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.Deliveries.ReleaseLeases(ctx); err != nil {
		// Not fatal: the leases expire and the next start reclaims them.
		w.Logger.Error("outbox: releasing leases at shutdown failed", "err", err)
	}
}

// wakeWaitingLogin runs WakeWaitingLogin and records it in l (its state
// has no next due time: only a commit makes a login appear).
func (w *Worker) wakeWaitingLogin(ctx context.Context, l *lookState) int {
	stamp := keyrelay.StampOf(w.Changes)
	n, err := w.Deliveries.WakeWaitingLogin(ctx)
	l.stamp, l.ok = stamp, err == nil && stamp != ""
	if err != nil {
		if ctx.Err() == nil {
			w.Logger.Error("outbox: waking deliveries waiting for login failed", "err", err)
		}
		return 0
	}
	if n > 0 {
		w.Logger.Info("outbox: credentials found, deliveries resumed", "count", n)
	}
	return n
}
