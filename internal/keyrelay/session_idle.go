package keyrelay

import "time"

// SessionIdleTimeout ends a history-page session that has made no request
// for this long, however far its absolute expiry (SessionTTL) still is: a
// browser left open on a shared PC does not stay logged in all day.
const SessionIdleTimeout = 30 * time.Minute

// SessionSeenEvery is how often a session in use records that it was seen:
// a page view writes last_seen_at only when the stored one is older than
// this, so browsing does not cost a write transaction per request. The
// idle timeout counts from the stored time, so a session can end up to
// this much earlier than SessionIdleTimeout after its last request, never
// later.
const SessionSeenEvery = time.Minute
