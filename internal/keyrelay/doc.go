// Package keyrelay holds keyrelay's domain: the types every other package
// speaks (captures, shops, pairings, deliveries, audit events), the service
// interfaces that storage implements, and the rules that do not depend on any
// implementation (what a plausible license key looks like, how dates are shown).
//
// Implementations live in packages named after what they wrap: sqlite, ws,
// web, goq. The helper binary only wires them together.
package keyrelay

// Version is the helper's version, reported by `keyrelay version` and in the
// WebSocket hello so a client can tell keyrelay from some other server.
var Version = "0.1.0-dev"

// ProtocolVersion is the wire protocol version (docs/PROTOCOL.md).
const ProtocolVersion = 1

// DefaultPort is the fixed loopback port the helper listens on unless --addr
// says otherwise. The extension's options page defaults to the same number.
const DefaultPort = 27415

// ExtensionID is the Chrome/Edge id pinned by the public key in manifest.json.
// Its origin is always allowed to open the WebSocket.
const ExtensionID = "hmjiaalllchlmocaaeoddlpmanbcflgl"
