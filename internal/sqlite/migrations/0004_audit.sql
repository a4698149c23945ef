-- Security events. reason is free text and never holds a secret.
CREATE TABLE audit_events (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	at        TEXT NOT NULL,
	kind      TEXT NOT NULL,
	remote    TEXT NOT NULL DEFAULT '',
	origin    TEXT NOT NULL DEFAULT '',
	client_id TEXT NOT NULL DEFAULT '',
	reason    TEXT NOT NULL DEFAULT ''
);
