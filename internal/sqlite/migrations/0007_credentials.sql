-- Destination logins per shop key ('' = the default). The password is
-- sealed with aad "credentials:<destination>\x00<shop_key>".
CREATE TABLE credentials (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	destination     TEXT NOT NULL,
	shop_key        TEXT NOT NULL DEFAULT '',
	base_url        TEXT NOT NULL DEFAULT '',
	login_id        TEXT NOT NULL,
	password_sealed BLOB NOT NULL,
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL,
	UNIQUE (destination, shop_key)
);
