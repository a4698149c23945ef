// Package stamptest is a keyrelay.ChangeSource for tests: a store whose
// change stamp the test moves by hand (the real one is sqlite.DB's).
package stamptest

import (
	"sync"

	"keyrelay/internal/keyrelay"
)

// Source reports the stamp last Set; safe for concurrent use.
type Source struct {
	mu sync.Mutex
	s  keyrelay.ChangeStamp
}

// New returns a Source that reports s.
func New(s keyrelay.ChangeStamp) *Source { return &Source{s: s} }

func (c *Source) ChangeStamp() keyrelay.ChangeStamp {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.s
}

// Set makes the next ChangeStamp report s ("" is "cannot tell").
func (c *Source) Set(s keyrelay.ChangeStamp) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s = s
}
