package secret_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/zalando/go-keyring"

	"keyrelay/internal/keyrelay"
	"keyrelay/internal/secret"
)

const testKey = "SL123456_AbCdEfGh12345678"

func openFile(t *testing.T, dir string) *secret.Sealer {
	t.Helper()
	s, err := secret.Open(dir, secret.ModeFile)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealer(t *testing.T) {
	s := openFile(t, t.TempDir())
	aad := []byte("capture:1")

	t.Run("RoundTrip", func(t *testing.T) {
		ct, err := s.Seal([]byte(testKey), aad)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Open(ct, aad)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := string(got), testKey; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})

	t.Run("FreshNonce", func(t *testing.T) {
		a, _ := s.Seal([]byte(testKey), aad)
		b, _ := s.Seal([]byte(testKey), aad)
		if bytes.Equal(a, b) {
			t.Fatal("two seals of the same plaintext are identical: nonce reused")
		}
		if got, want := a[0], byte(1); got != want {
			t.Fatalf("version byte: got %d, want %d", got, want)
		}
	})

	t.Run("PlaintextNotInCiphertext", func(t *testing.T) {
		ct, _ := s.Seal([]byte(testKey), aad)
		for _, part := range []string{testKey, testKey[:8], testKey[len(testKey)-8:]} {
			if bytes.Contains(ct, []byte(part)) {
				t.Fatalf("ciphertext contains %q", part)
			}
		}
	})

	t.Run("AADMismatch", func(t *testing.T) {
		ct, _ := s.Seal([]byte(testKey), aad)
		if _, err := s.Open(ct, []byte("capture:2")); err == nil {
			t.Fatal("opened with the wrong aad")
		}
		if _, err := s.Open(ct, nil); err == nil {
			t.Fatal("opened with no aad")
		}
	})

	t.Run("Tampering", func(t *testing.T) {
		ct, _ := s.Seal([]byte(testKey), aad)
		for i := range ct {
			bad := bytes.Clone(ct)
			bad[i] ^= 0x01
			if _, err := s.Open(bad, aad); err == nil {
				t.Fatalf("opened with byte %d flipped", i)
			}
		}
		for _, n := range []int{0, 1, 12, len(ct) - 1} {
			if _, err := s.Open(ct[:n], aad); err == nil {
				t.Fatalf("opened truncated to %d bytes", n)
			}
		}
	})

	t.Run("ErrorHasNoPlaintext", func(t *testing.T) {
		ct, _ := s.Seal([]byte(testKey), aad)
		_, err := s.Open(ct, []byte("other"))
		if err == nil || regexp.MustCompile(testKey[2:10]).MatchString(err.Error()) {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("OtherDataKeyCannotOpen", func(t *testing.T) {
		other := openFile(t, t.TempDir())
		ct, _ := s.Seal([]byte(testKey), aad)
		if _, err := other.Open(ct, aad); err == nil {
			t.Fatal("another data key opened the ciphertext")
		}
	})

	t.Run("Fingerprint", func(t *testing.T) {
		fp := s.Fingerprint(testKey)
		if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(fp) {
			t.Fatalf("got %q, want 16 hex chars", fp)
		}
		if got, want := s.Fingerprint(testKey), fp; got != want {
			t.Fatalf("not deterministic: got %q, want %q", got, want)
		}
		if s.Fingerprint(testKey+"x") == fp {
			t.Fatal("different secrets share a fingerprint")
		}
		if openFile(t, t.TempDir()).Fingerprint(testKey) == fp {
			t.Fatal("two data keys give the same fingerprint")
		}
	})
}

func TestOpenFile(t *testing.T) {
	dir := t.TempDir()
	s := openFile(t, dir)
	if got, want := s.Backend(), "file"; got != want {
		t.Fatalf("backend: got %q, want %q", got, want)
	}

	t.Run("Mode0600", func(t *testing.T) {
		fi, err := os.Stat(filepath.Join(dir, secret.KeyFile))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fi.Mode().Perm(), os.FileMode(0o600); got != want {
			t.Fatalf("got %v, want %v", got, want)
		}
	})

	t.Run("ReopenSameKey", func(t *testing.T) {
		ct, err := s.Seal([]byte(testKey), []byte("a"))
		if err != nil {
			t.Fatal(err)
		}
		again := openFile(t, dir)
		got, err := again.Open(ct, []byte("a"))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != testKey {
			t.Fatalf("got %q", got)
		}
	})

	t.Run("LoosePermsTightened", func(t *testing.T) {
		path := filepath.Join(dir, secret.KeyFile)
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		openFile(t, dir)
		fi, _ := os.Stat(path)
		if got, want := fi.Mode().Perm(), os.FileMode(0o600); got != want {
			t.Fatalf("got %v, want %v", got, want)
		}
	})

	t.Run("Corrupt", func(t *testing.T) {
		d := t.TempDir()
		if err := os.WriteFile(filepath.Join(d, secret.KeyFile), []byte("short\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := secret.Open(d, secret.ModeFile); err == nil {
			t.Fatal("opened a corrupt key file")
		}
	})

	t.Run("BadMode", func(t *testing.T) {
		_, err := secret.Open(t.TempDir(), "vault")
		if got, want := keyrelay.ErrorCode(err), keyrelay.EINVALID; got != want {
			t.Fatalf("got %q (%v), want %q", got, err, want)
		}
	})
}

// The OS keyring does not run here, so these use go-keyring's in-memory
// provider; the real file fallback is exercised either way.
func TestOpenKeyring(t *testing.T) {
	t.Cleanup(func() { keyring.MockInitWithError(errors.New("keyring reset after test")) })

	t.Run("AutoUsesKeyring", func(t *testing.T) {
		keyring.MockInit()
		dir := t.TempDir()
		s, err := secret.Open(dir, secret.ModeAuto)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := s.Backend(), "keyring"; got != want {
			t.Fatalf("backend: got %q, want %q", got, want)
		}
		if s.FallbackReason != "" {
			t.Fatalf("fallback reason: %q", s.FallbackReason)
		}
		if _, err := os.Stat(filepath.Join(dir, secret.KeyFile)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("data.key written although the keyring worked: %v", err)
		}
		fi, err := os.Stat(filepath.Join(dir, secret.MarkerFile))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fi.Mode().Perm(), os.FileMode(0o600); got != want {
			t.Fatalf("marker mode: got %v, want %v", got, want)
		}
		ct, _ := s.Seal([]byte(testKey), nil)
		again, err := secret.Open(dir, secret.ModeKeyring)
		if err != nil {
			t.Fatal(err)
		}
		if pt, err := again.Open(ct, nil); err != nil || string(pt) != testKey {
			t.Fatalf("reopen: %q, %v", pt, err)
		}
		other, err := secret.Open(t.TempDir(), secret.ModeAuto)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.Open(ct, nil); err == nil {
			t.Fatal("two data dirs share a keyring key")
		}
	})

	t.Run("AutoFallsBackToFile", func(t *testing.T) {
		keyring.MockInitWithError(errors.New("no secret service"))
		dir := t.TempDir()
		s, err := secret.Open(dir, secret.ModeAuto)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := s.Backend(), "file"; got != want {
			t.Fatalf("backend: got %q, want %q", got, want)
		}
		if s.FallbackReason == "" {
			t.Fatal("no fallback reason")
		}
		// Once a file exists, auto keeps it even when the keyring returns.
		keyring.MockInit()
		again, err := secret.Open(dir, secret.ModeAuto)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := again.Backend(), "file"; got != want {
			t.Fatalf("backend after keyring came back: got %q, want %q", got, want)
		}
	})

	t.Run("KeyringModeDoesNotFallBack", func(t *testing.T) {
		keyring.MockInitWithError(errors.New("no secret service"))
		dir := t.TempDir()
		if _, err := secret.Open(dir, secret.ModeKeyring); err == nil {
			t.Fatal("keyring mode succeeded without a keyring")
		}
		if _, err := os.Stat(filepath.Join(dir, secret.KeyFile)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("keyring mode wrote data.key: %v", err)
		}
	})

	t.Run("AutoRefusesSecondKeyWhenKeyringGone", func(t *testing.T) {
		keyring.MockInit()
		dir := t.TempDir()
		if _, err := secret.Open(dir, secret.ModeAuto); err != nil {
			t.Fatal(err)
		}
		keyring.MockInitWithError(errors.New("no secret service"))
		if _, err := secret.Open(dir, secret.ModeAuto); err == nil {
			t.Fatal("auto made a file key although the data key is in the keyring")
		}
	})
}
