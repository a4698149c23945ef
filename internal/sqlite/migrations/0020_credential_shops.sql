-- Which shops a destination login delivers for. A shop has at most one
-- login per destination; a login may serve several shops. A login set for a
-- named shop is bound to it; the default login (shop_key '') is bound to the
-- first shop that uses it (credentials.auto_bound records that it was, so
-- unbinding it later never lets it drift to another shop by itself).
CREATE TABLE credential_shops (
	destination    TEXT NOT NULL,
	shop_key       TEXT NOT NULL,
	credentials_id INTEGER NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
	created_at     TEXT NOT NULL,
	PRIMARY KEY (destination, shop_key)
);

CREATE INDEX credential_shops_login ON credential_shops (credentials_id);

ALTER TABLE credentials ADD COLUMN auto_bound INTEGER NOT NULL DEFAULT 0;
ALTER TABLE credentials ADD COLUMN settings_path TEXT NOT NULL DEFAULT '';

-- Existing named logins serve their own shop.
INSERT INTO credential_shops (destination, shop_key, credentials_id, created_at)
	SELECT destination, shop_key, id, updated_at FROM credentials WHERE shop_key <> '';

-- The old rule used a default login for every shop while it was the only
-- login of its destination. It now serves only the first shop that used it:
-- the shop of the destination's oldest delivery. Other shops wait for the
-- operator to assign them a login.
INSERT INTO credential_shops (destination, shop_key, credentials_id, created_at)
	SELECT c.destination, s.key, c.id, c.updated_at
	FROM credentials c
	JOIN deliveries d ON d.id = (SELECT MIN(d2.id) FROM deliveries d2 WHERE d2.destination = c.destination)
	JOIN shops s ON s.id = d.shop_id
	WHERE c.shop_key = '' AND s.key <> 'unknown'
	AND NOT EXISTS (SELECT 1 FROM credentials o WHERE o.destination = c.destination AND o.id <> c.id);

UPDATE credentials SET auto_bound = 1
	WHERE shop_key = '' AND id IN (SELECT credentials_id FROM credential_shops);
