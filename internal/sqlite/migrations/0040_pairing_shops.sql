-- The shops each paired browser has worked on (a capture or an アプリ一覧
-- visit from it), so that an agency's browsers each hear only their own
-- shops' alerts. shop_key is ShopRef.Key().
CREATE TABLE pairing_shops (
	client_id TEXT NOT NULL,
	shop_key  TEXT NOT NULL,
	seen_at   TEXT NOT NULL,
	PRIMARY KEY (client_id, shop_key)
);

-- A browser can be renamed by the operator (ペアリング page, `keyrelay pair
-- rename`); renamed_at is '' until then.
ALTER TABLE pairings ADD COLUMN renamed_at TEXT NOT NULL DEFAULT '';
