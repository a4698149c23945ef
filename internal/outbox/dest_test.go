package outbox_test

import (
	"testing"
	"time"

	"keyrelay/internal/goq"
	"keyrelay/internal/keyrelay"
)

// newDestination is the real GoQ client, allowed plain HTTP because the fakes
// listen on loopback; in-call GET retries are short so tests stay fast.
func newDestination(testing.TB) keyrelay.Destination {
	return goq.New(goq.WithLoopbackHTTP(), goq.WithGETRetries(2, 5*time.Millisecond))
}
