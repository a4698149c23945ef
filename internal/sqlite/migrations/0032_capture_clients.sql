-- Which browser (pairing client_id) captured which shop, kept by a trigger
-- in the capture's own transaction. PairingShopKeys read this from every
-- capture (a scan of the whole history, once per connection on every alert
-- push); the browser's own write after each capture cost a second fsync'd
-- transaction before the ack. Captures are never deleted.
CREATE TABLE capture_clients (
	client_id TEXT NOT NULL,
	shop_id   INTEGER NOT NULL REFERENCES shops (id),
	PRIMARY KEY (client_id, shop_id)
) WITHOUT ROWID;

INSERT INTO capture_clients (client_id, shop_id) SELECT DISTINCT client_id, shop_id FROM captures;

-- DO NOTHING writes no page when the pair is known (the usual case).
CREATE TRIGGER captures_clients AFTER INSERT ON captures BEGIN
	INSERT INTO capture_clients (client_id, shop_id) VALUES (NEW.client_id, NEW.shop_id) ON CONFLICT DO NOTHING;
END;
