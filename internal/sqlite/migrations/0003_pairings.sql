-- Extension pairings. claim_hash is SHA-256 of the claim token; the
-- per-client secret is sealed (aad "pairing:<client_id>") and dropped on
-- revoke. At most one pending pairing holds a given code.
CREATE TABLE pairings (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	client_id     TEXT NOT NULL UNIQUE,
	name          TEXT NOT NULL DEFAULT '',
	origin        TEXT NOT NULL,
	code          TEXT NOT NULL,
	status        TEXT NOT NULL,
	claim_hash    BLOB NOT NULL,
	secret_sealed BLOB,
	claimed_at    TEXT NOT NULL DEFAULT '',
	created_at    TEXT NOT NULL,
	expires_at    TEXT NOT NULL,
	approved_at   TEXT NOT NULL DEFAULT '',
	revoked_at    TEXT NOT NULL DEFAULT '',
	last_seen_at  TEXT NOT NULL DEFAULT ''
);

CREATE UNIQUE INDEX pairings_pending_code ON pairings (code) WHERE status = 'pending';
