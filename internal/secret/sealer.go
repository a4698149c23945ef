package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"keyrelay/internal/keyrelay"
)

// version prefixes every ciphertext so the format can change without
// guessing which one a stored row uses.
const version byte = 1

// KeySize is the data key's length in bytes.
const KeySize = 32

// Sealer implements keyrelay.Sealer. It is safe for concurrent use.
type Sealer struct {
	aead  cipher.AEAD
	fpKey []byte

	backend string

	// FallbackReason is why the data key is in the file although the mode
	// was "auto" (no keyring, keyring timed out, or a data.key already
	// there); "" when no fallback happened. It never contains a secret.
	FallbackReason string
}

var _ keyrelay.Sealer = (*Sealer)(nil)

// New returns a Sealer for a 32-byte data key. backend is what Backend
// reports. Subkeys are derived so the cipher key and the fingerprint key
// differ even though one data key is stored.
func New(dataKey []byte, backend string) (*Sealer, error) {
	if len(dataKey) != KeySize {
		return nil, fmt.Errorf("secret: data key is %d bytes, want %d", len(dataKey), KeySize)
	}
	block, err := aes.NewCipher(derive(dataKey, "keyrelay seal v1"))
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Sealer{aead: aead, fpKey: derive(dataKey, "keyrelay fingerprint v1"), backend: backend}, nil
}

// derive is HMAC-SHA256(key, label): 32 bytes for one purpose, named by its
// label. It is not HKDF: there is no extract step (the data key is already 32
// uniformly random bytes) and, unlike HKDF-Expand's first block
// HMAC(PRK, info || 0x01), no counter byte is appended. Distinct labels give
// independent keys because HMAC-SHA256 is a PRF. Changing this would make
// every sealed value in an existing database unreadable.
func derive(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Backend reports where the data key lives: "keyring" or "file".
func (s *Sealer) Backend() string { return s.backend }

// Seal returns version || nonce || ciphertext+tag. The version byte is
// authenticated with aad so neither can be swapped.
func (s *Sealer) Seal(plaintext, aad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	out := make([]byte, 1+n, 1+n+len(plaintext)+s.aead.Overhead())
	out[0] = version
	if _, err := rand.Read(out[1 : 1+n]); err != nil {
		return nil, fmt.Errorf("secret: nonce: %w", err)
	}
	return s.aead.Seal(out, out[1:1+n], plaintext, fullAAD(aad)), nil
}

// errOpen says nothing about the contents on purpose.
var errOpen = errors.New("secret: cannot decrypt: wrong key, wrong row or tampered data")

// Open reverses Seal. Any mismatch (key, aad, tampering) gives one error.
func (s *Sealer) Open(ciphertext, aad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(ciphertext) < 1+n+s.aead.Overhead() {
		return nil, errOpen
	}
	if ciphertext[0] != version {
		return nil, fmt.Errorf("secret: unknown ciphertext version %d", ciphertext[0])
	}
	pt, err := s.aead.Open(nil, ciphertext[1:1+n], ciphertext[1+n:], fullAAD(aad))
	if err != nil {
		return nil, errOpen
	}
	return pt, nil
}

func fullAAD(aad []byte) []byte {
	return append([]byte{version}, aad...)
}

// Fingerprint is the first 16 hex characters of HMAC-SHA256 under a subkey:
// equal secrets compare equal, and without the data key it reveals nothing.
func (s *Sealer) Fingerprint(secret string) string {
	m := hmac.New(sha256.New, s.fpKey)
	m.Write([]byte(secret))
	return hex.EncodeToString(m.Sum(nil))[:16]
}
