-- One revealed license key. The key itself is only in key_sealed
-- (AES-GCM, aad "capture:<uuid>"); search is a lower-cased copy of the
-- displayable fields so a text filter scans one column.
CREATE TABLE captures (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	uuid            TEXT NOT NULL UNIQUE,
	shop_id         INTEGER NOT NULL REFERENCES shops (id),
	shop_rms_id     TEXT NOT NULL DEFAULT '',
	shop_url        TEXT NOT NULL DEFAULT '',
	shop_name       TEXT NOT NULL DEFAULT '',
	app_name        TEXT NOT NULL,
	developer       TEXT NOT NULL DEFAULT '',
	app_url         TEXT NOT NULL DEFAULT '',
	state           TEXT NOT NULL DEFAULT '',
	expiry          TEXT NOT NULL DEFAULT '',
	update_pending  INTEGER NOT NULL DEFAULT 0,
	apis            TEXT NOT NULL DEFAULT '[]',
	page_url        TEXT NOT NULL DEFAULT '',
	client_id       TEXT NOT NULL DEFAULT '',
	captured_at     TEXT NOT NULL,
	received_at     TEXT NOT NULL,
	key_last4       TEXT NOT NULL,
	key_fingerprint TEXT NOT NULL,
	key_sealed      BLOB NOT NULL,
	search          TEXT NOT NULL DEFAULT ''
);

CREATE INDEX captures_shop ON captures (shop_id, id);
CREATE INDEX captures_shop_app ON captures (shop_id, app_name, id);
-- Narrow and covering for the text filter: a count or a filtered page scans
-- this index instead of the wide rows (API lists, ciphertext).
CREATE INDEX captures_search ON captures (shop_id, search);
