package keyrelay

// Audit kinds of the same-user and budget checks (docs/SECURITY.md).
const (
	// AuditPeerRefused: a connection from a process of another OS user.
	AuditPeerRefused = "peer_refused"
	// AuditConnEvicted: an unauthenticated WebSocket made room for another.
	AuditConnEvicted = "conn_evicted"
)
