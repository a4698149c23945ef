// Package protocol is the WebSocket wire protocol v1 between the browser
// extension and the helper (docs/PROTOCOL.md): the message types, a strict
// decoder for what clients send, and the HMAC proofs of the mutual
// authentication. Both internal/ws (the helper) and internal/wsclient (the
// extension's behaviour in Go) speak through it, so the two cannot drift.
package protocol
