package keyrelay

// Sealer encrypts secrets at rest (license keys, pairing secrets, GoQ
// passwords). aad binds a ciphertext to its row so it cannot be swapped.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(ciphertext, aad []byte) ([]byte, error)
	// Fingerprint is a keyed, irreversible digest of a secret for display and
	// comparison (16 hex characters).
	Fingerprint(secret string) string
	// Backend says where the data key lives: "keyring" or "file".
	Backend() string
}
