package keyrelay

import "time"

// SessionIdleTimeout ends a history-page session that has made no request
// for this long, however far its absolute expiry (SessionTTL) still is: a
// browser left open on a shared PC does not stay logged in all day.
const SessionIdleTimeout = 30 * time.Minute
