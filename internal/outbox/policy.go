package outbox

import (
	"errors"
	"time"

	"keyrelay/internal/keyrelay"
)

// Retry policy. A failed attempt is retried at now + backoff until the
// delivery has used the attempts its error code allows; then it moves to
// needs_attention with the last error, and only the operator (「今すぐ再試行」)
// or new credentials start it again.
//
//	code           what it usually means                       attempts
//	-------------  ------------------------------------------  ---------------------
//	EUNAVAILABLE   GoQ down, 5xx, maintenance page, timeout     MaxAttempts (8)
//	EINTERNAL      any other error: network, DNS, TLS, store    MaxAttempts (8)
//	ECONFLICT      saved value did not verify (save ignored)    min(5, MaxAttempts)
//	EINVALID       form or label not found, value rejected      min(3, MaxAttempts)
//	ENOTFOUND      settings page gone                           min(3, MaxAttempts)
//	EUNAUTHORIZED  login refused (wrong ID or password)         min(2, MaxAttempts)
//	EFORBIDDEN     the GoQ account may not edit the settings    min(2, MaxAttempts)
//	ECONFLICT wrapping goq.ErrUnverifiable: GoQ shows the       1
//	               saved key masked or blank, the save cannot be checked
//
// Why: time fixes downtime, so it gets the full budget. A wrong password or a
// changed form does not fix itself; a second try only rules out a page that
// was caught half-rendered or mid-deploy, and repeating a refused login risks
// locking the GoQ account. A failed verification may be GoQ silently dropping
// a save under load, so it gets a few more tries than a missing form. An
// unverifiable save gets no retry at all: a retry cannot see the key either,
// so it would post it again, maybe a second time; the operator checks GoQ.
//
// Before Deliver is called: no credentials → waiting_login (not a failure; the
// store wakes it when credentials are set); the capture gone or the
// destination not configured → needs_attention at once.
func attemptLimit(err error, max int) int {
	if errors.Is(err, keyrelay.ErrUnverifiable) || keyrelay.ErrorCode(err) == keyrelay.EREJECTED {
		return 1
	}
	var n int
	switch keyrelay.ErrorCode(err) {
	case keyrelay.EUNAVAILABLE, keyrelay.EINTERNAL:
		return max
	case keyrelay.ECONFLICT:
		n = 5
	case keyrelay.EINVALID, keyrelay.ENOTFOUND:
		n = 3
	case keyrelay.EUNAUTHORIZED, keyrelay.EFORBIDDEN:
		n = 2
	default:
		return max
	}
	return min(n, max)
}

// backoff is the delay before retry number attempt+1: full jitter over an
// exponential ceiling (BaseBackoff·2^(attempt-1), capped at MaxBackoff), so a
// crowd of deliveries that failed together (GoQ came back) spreads out instead
// of hitting GoQ at once. The floor of BaseBackoff/2 keeps a retry from
// landing immediately after the failure it is retrying.
func (w *Worker) backoff(attempt int) time.Duration {
	ceiling := w.BaseBackoff
	for i := 1; i < attempt && ceiling < w.MaxBackoff; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, w.MaxBackoff)
	floor := w.BaseBackoff / 2
	if ceiling <= floor {
		return ceiling
	}
	return floor + time.Duration(w.randN(uint64(ceiling-floor)))
}

func (w *Worker) randN(n uint64) uint64 {
	w.randMu.Lock()
	defer w.randMu.Unlock()
	return w.Rand.Uint64() % n
}
