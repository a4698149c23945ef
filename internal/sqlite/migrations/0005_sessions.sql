-- History-page login. Only SHA-256 hashes of tokens and cookies are kept.
CREATE TABLE login_tokens (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	token_hash BLOB NOT NULL UNIQUE,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	used_at    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE sessions (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	cookie_hash BLOB NOT NULL UNIQUE,
	created_at  TEXT NOT NULL,
	expires_at  TEXT NOT NULL
);
