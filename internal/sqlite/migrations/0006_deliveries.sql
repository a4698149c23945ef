-- The durable outbox: one row per capture and destination, written in the
-- capture's transaction. lease_owner identifies the helper process holding
-- an in_progress row until lease_until.
CREATE TABLE deliveries (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	capture_id      INTEGER NOT NULL REFERENCES captures (id),
	shop_id         INTEGER NOT NULL REFERENCES shops (id),
	destination     TEXT NOT NULL,
	status          TEXT NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at TEXT NOT NULL DEFAULT '',
	lease_until     TEXT NOT NULL DEFAULT '',
	lease_owner     TEXT NOT NULL DEFAULT '',
	last_error      TEXT NOT NULL DEFAULT '',
	last_error_en   TEXT NOT NULL DEFAULT '',
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL,
	finished_at     TEXT NOT NULL DEFAULT '',
	UNIQUE (capture_id, destination)
);

CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_shop_status ON deliveries (shop_id, status);

CREATE TABLE delivery_attempts (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	delivery_id INTEGER NOT NULL REFERENCES deliveries (id),
	started_at  TEXT NOT NULL,
	finished_at TEXT NOT NULL,
	result      TEXT NOT NULL,
	error       TEXT NOT NULL DEFAULT '',
	error_en    TEXT NOT NULL DEFAULT ''
);

CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);
