package ws

import (
	"github.com/gorilla/websocket"

	"keyrelay/internal/keyrelay"
)

// The connection budget (docs/PROTOCOL.md "Connection budget"). A connection
// holds one slot: unauthenticated ones (hello sent, pairing requests, auth in
// progress) share MaxUnauthed slots; authenticated ones have MaxConns slots
// of their own. Nothing unauthenticated can take an authenticated slot, and
// a newcomer always gets an unauthenticated slot, by evicting the oldest
// unauthenticated connection when they are all taken, so parked pairing
// requests cannot keep the paired extension out.
const (
	slotNone = iota
	slotUnauthed
	slotAuthed
)

// admit reserves an unauthenticated slot for a new connection and counts its
// two goroutines. When the slots are full it evicts the oldest upgraded
// unauthenticated connection (returned, to be closed outside the lock).
func (s *Server) admit() (victim *conn, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, false
	}
	if s.unauthed >= s.lim.MaxUnauthed {
		victim = s.oldest(slotUnauthed)
		if victim == nil { // every slot is still upgrading: a burst, refuse
			return nil, false
		}
		victim.slot = slotNone
		s.unauthed--
	}
	s.unauthed++
	s.wg.Add(2)
	return victim, true
}

// enlist records an upgraded connection in the slot admit reserved.
func (s *Server) enlist(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	c.seq, c.slot = s.seq, slotUnauthed
	s.conns[c] = struct{}{}
}

// promote moves an authenticated connection to an authenticated slot. When
// those are full the oldest authenticated connection makes room (the newest
// is the one the operator is using). false: c was evicted meanwhile.
func (s *Server) promote(c *conn) (victim *conn, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.slot != slotUnauthed {
		return nil, false
	}
	if s.authed >= s.lim.MaxConns {
		if victim = s.oldest(slotAuthed); victim != nil {
			victim.slot = slotNone
			s.authed--
		}
	}
	s.unauthed--
	s.authed++
	c.slot = slotAuthed
	return victim, true
}

// oldest is the longest-held connection in slot; s.mu is held.
func (s *Server) oldest(slot int) *conn {
	var o *conn
	for c := range s.conns {
		if c.slot == slot && (o == nil || c.seq < o.seq) {
			o = c
		}
	}
	return o
}

// release frees c's slot (nil: a slot admit reserved whose upgrade failed).
func (s *Server) release(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c == nil {
		s.unauthed--
		s.wg.Add(-2) // admitted but never upgraded
		return
	}
	switch c.slot {
	case slotUnauthed:
		s.unauthed--
	case slotAuthed:
		s.authed--
	}
	c.slot = slotNone
	delete(s.conns, c)
}

// evict closes a connection that lost its slot, with 1013 (try again later).
func (s *Server) evict(victim *conn, why string) {
	if victim == nil {
		return
	}
	s.audit(keyrelay.AuditConnEvicted, victim.remote, victim.origin, victim.id(), why)
	victim.closeWith(websocket.CloseTryAgainLater, "connection budget")
}
