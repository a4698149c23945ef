//go:build demo

package outbox_test

import (
	"bytes"
	"testing"

	"keyrelay/internal/keyrelay"
)

// The test key generator never hands out a key the store refuses: drawn
// bytes that spell "XXXXXX" (keyrelay reads it as RMS's mask) are skipped.
func TestNewKeyIsAccepted(t *testing.T) {
	// alnum[23] is 'X'; the second draw is A…P.
	masked := bytes.Repeat([]byte{23}, 16)
	plain := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	if p := keyrelay.KeyProblem("SL100001_" + alnumFrom(bytes.NewReader(masked), 16)); p != keyrelay.KeyMasked {
		t.Fatalf("the first draw is %q, not masked: the test does not test", p)
	}
	got := newKey("100001", bytes.NewReader(append(masked, plain...)))
	if want := "SL100001_ABCDEFGHIJKLMNOP"; got != want {
		t.Fatalf("newKey = %q, want %q", got, want)
	}
}
