-- Reminders already shown, one row each: a restart must neither repeat nor
-- lose one. threshold is days before expiry (0: the day); expiry is the JST
-- date as RMS shows it, so a new expiry starts a new round. An update
-- reminder has threshold 0 and expiry '' and is deleted once the update is
-- no longer pending, so the next 更新あり reminds again.
CREATE TABLE reminders (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	shop_id   INTEGER NOT NULL REFERENCES shops (id),
	developer TEXT NOT NULL DEFAULT '',
	app_name  TEXT NOT NULL,
	kind      TEXT NOT NULL,
	threshold INTEGER NOT NULL,
	expiry    TEXT NOT NULL DEFAULT '',
	shown_at  TEXT NOT NULL,
	UNIQUE (shop_id, developer, app_name, kind, threshold, expiry)
);
