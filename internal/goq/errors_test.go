package goq

import (
	"errors"
	"strings"
	"testing"

	"keyrelay/internal/keyrelay"
)

// TestScrubKeepsUnverifiable: scrubbing a secret out of an error must not
// turn a permanent ErrUnverifiable into something the outbox would retry.
func TestScrubKeepsUnverifiable(t *testing.T) {
	const secret = "SL100001_NEWkeyQwErTy1234"
	err := scrub(errUnverifiable("1234", errors.New("dial: "+secret)), secret)
	if !errors.Is(err, ErrUnverifiable) {
		t.Errorf("scrubbed error %v lost ErrUnverifiable", err)
	}
	if got, want := keyrelay.ErrorCode(err), keyrelay.ECONFLICT; got != want {
		t.Errorf("code %q, want %q", got, want)
	}
	ja, en := keyrelay.ErrorMessage(err)
	for _, text := range []string{err.Error(), ja, en} {
		if strings.Contains(text, secret) {
			t.Errorf("scrubbed error still holds the secret: %q", text)
		}
	}
}
