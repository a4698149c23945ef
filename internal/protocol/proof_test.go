package protocol_test

import (
	"testing"

	"keyrelay/internal/protocol"
)

func TestProofs(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	cn, sn := protocol.NewNonce(), protocol.NewNonce()
	sp := protocol.ServerProof(secret, "c_1", cn, sn)
	cp := protocol.ClientProof(secret, "c_1", sn, cn)
	t.Run("deterministic", func(t *testing.T) {
		if !protocol.ProofEqual(sp, protocol.ServerProof(secret, "c_1", cn, sn)) {
			t.Error("same inputs, different server proof")
		}
	})
	t.Run("server proof is not a client proof", func(t *testing.T) {
		if protocol.ProofEqual(sp, cp) {
			t.Error("server and client proofs are equal: one could be reflected as the other")
		}
	})
	t.Run("other secret", func(t *testing.T) {
		if protocol.ProofEqual(sp, protocol.ServerProof([]byte("other"), "c_1", cn, sn)) {
			t.Error("proof verifies under another secret")
		}
	})
	t.Run("other nonce", func(t *testing.T) {
		if protocol.ProofEqual(cp, protocol.ClientProof(secret, "c_1", protocol.NewNonce(), cn)) {
			t.Error("client proof verifies with another server nonce")
		}
	})
	t.Run("garbage", func(t *testing.T) {
		if protocol.ProofEqual("", "") || protocol.ProofEqual("!!", "!!") {
			t.Error("empty or malformed proofs compare equal")
		}
	})
}
