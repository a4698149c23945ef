package ws

import (
	"crypto/sha256"
	"sync"
	"time"
)

// bucket is a token bucket: rate tokens a second, at most burst saved up.
// nonceCache remembers client nonces for ttl in bounded memory: a ring of
// digests, oldest evicted first when full. An evicted nonce could be
// replayed, but a replay still cannot authenticate: the client proof also
// covers the server's fresh nonce.
type nonceCache struct {
	mu   sync.Mutex
	ttl  time.Duration
	seen map[[16]byte]struct{}
	ring []nonceEntry // grows up to max
	max  int
	head int // oldest entry
	n    int
}

type nonceEntry struct {
	digest [16]byte
	at     time.Time
}

func newNonceCache(ttl time.Duration, max int) *nonceCache {
	return &nonceCache{ttl: ttl, seen: map[[16]byte]struct{}{}, max: max}
}

// add records nonce and reports whether it was new.
func (c *nonceCache) add(nonce string, now time.Time) bool {
	sum := sha256.Sum256([]byte(nonce))
	var d [16]byte
	copy(d[:], sum[:])
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == len(c.ring) && len(c.ring) < c.max {
		grown := make([]nonceEntry, min(c.max, 2*len(c.ring)+64))
		for i := range c.n {
			grown[i] = c.ring[(c.head+i)%len(c.ring)]
		}
		c.ring, c.head = grown, 0
	}
	for c.n > 0 && (c.n == len(c.ring) || now.Sub(c.ring[c.head].at) > c.ttl) {
		delete(c.seen, c.ring[c.head].digest)
		c.ring[c.head] = nonceEntry{}
		c.head = (c.head + 1) % len(c.ring)
		c.n--
	}
	if _, ok := c.seen[d]; ok {
		return false
	}
	c.seen[d] = struct{}{}
	c.ring[(c.head+c.n)%len(c.ring)] = nonceEntry{digest: d, at: now}
	c.n++
	return true
}
