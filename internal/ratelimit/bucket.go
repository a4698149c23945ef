// Package ratelimit holds the token bucket the helper's edges use: for
// WebSocket upgrades and messages, and for audit records of refusals, so a
// hostile page hammering the port cannot grow the database without bound.
package ratelimit

import (
	"fmt"
	"sync"
	"time"
)

// Bucket is a token bucket: rate tokens a second, up to burst.
type Bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func New(rate, burst float64) *Bucket {
	return &Bucket{rate: rate, burst: burst, tokens: burst}
}

// Allow takes a token if there is one.
func (b *Bucket) Allow(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.last.IsZero() {
		if d := now.Sub(b.last).Seconds(); d > 0 {
			b.tokens = min(b.burst, b.tokens+d*b.rate)
		}
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Refusals decides which refusals get an audit record: 20 a second, bursts
// of 100. The next recorded one says how many were skipped, so the audit log
// still shows that a flood happened.
type Refusals struct {
	mu      sync.Mutex
	b       *Bucket
	skipped int
}

func NewRefusals() *Refusals { return &Refusals{b: New(20, 100)} }

// Admit reports whether to record a refusal now, and a note to append to its
// reason ("" when nothing was skipped).
func (r *Refusals) Admit(now time.Time) (ok bool, note string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.b.Allow(now) {
		r.skipped++
		return false, ""
	}
	if r.skipped > 0 {
		note = fmt.Sprintf(" (+%d similar refusals not recorded)", r.skipped)
		r.skipped = 0
	}
	return true, note
}
