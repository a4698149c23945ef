-- A shop is matched by keyrelay.ShopRef.Key(); the ref fields keep the
-- latest non-empty values any page showed.
CREATE TABLE shops (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	key        TEXT NOT NULL UNIQUE,
	rms_id     TEXT NOT NULL DEFAULT '',
	url        TEXT NOT NULL DEFAULT '',
	name       TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
