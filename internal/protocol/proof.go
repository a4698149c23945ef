package protocol

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

var b64 = base64.RawURLEncoding

// EncodeB64 and DecodeB64 are the wire encoding of nonces, secrets and proofs.
func EncodeB64(b []byte) string { return b64.EncodeToString(b) }

func DecodeB64(s string) ([]byte, error) { return b64.DecodeString(s) }

func validB64(s string, n int) bool {
	b, err := b64.DecodeString(s)
	return err == nil && len(b) == n
}

// NewNonce returns NonceBytes random bytes, encoded.
func NewNonce() string {
	b := make([]byte, NonceBytes)
	rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return EncodeB64(b)
}

// ServerProof is what the helper sends to prove it holds the pairing secret.
func ServerProof(secret []byte, clientID, clientNonce, serverNonce string) string {
	return proof(secret, "keyrelay/1 server\n"+clientID+"\n"+clientNonce+"\n"+serverNonce)
}

// ClientProof is what the client sends to prove it holds the pairing secret.
// Its label and nonce order differ from ServerProof's, so neither side can
// reflect the other's proof back.
func ClientProof(secret []byte, clientID, serverNonce, clientNonce string) string {
	return proof(secret, "keyrelay/1 client\n"+clientID+"\n"+serverNonce+"\n"+clientNonce)
}

// ProofEqual compares two encoded proofs in constant time.
func ProofEqual(a, b string) bool {
	x, err1 := DecodeB64(a)
	y, err2 := DecodeB64(b)
	return err1 == nil && err2 == nil && len(x) == ProofBytes && hmac.Equal(x, y)
}

func proof(secret []byte, msg string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(msg))
	return EncodeB64(m.Sum(nil))
}
