-- What the newest アプリ一覧 visit showed for each app of a shop: the expiry
-- as shown ('-' for none), its parsed date ('' when none) and 更新あり. A
-- capture-time estimate is never stored: FindAppStatuses derives it, so a
-- real expiry replaces it as soon as one is seen.
CREATE TABLE app_statuses (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	shop_id        INTEGER NOT NULL REFERENCES shops (id),
	developer      TEXT NOT NULL DEFAULT '',
	app_name       TEXT NOT NULL,
	key_last4      TEXT NOT NULL DEFAULT '',
	expiry         TEXT NOT NULL DEFAULT '',
	expires_at     TEXT NOT NULL DEFAULT '',
	state          TEXT NOT NULL DEFAULT '',
	update_pending INTEGER NOT NULL DEFAULT 0,
	page_url       TEXT NOT NULL DEFAULT '',
	seen_at        TEXT NOT NULL,
	UNIQUE (shop_id, developer, app_name)
);
