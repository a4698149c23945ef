-- How each shop's key gets into a destination: 'helper' (the helper logs in
-- with a stored password; also the mode of a shop without a row) or
-- 'browser' (the paired extension that captured the key fills it into the
-- operator's own GoQ tab; no password is stored for the shop).
CREATE TABLE delivery_modes (
	destination TEXT NOT NULL,
	shop_key    TEXT NOT NULL,
	mode        TEXT NOT NULL CHECK (mode IN ('helper', 'browser')),
	updated_at  TEXT NOT NULL,
	PRIMARY KEY (destination, shop_key)
);
