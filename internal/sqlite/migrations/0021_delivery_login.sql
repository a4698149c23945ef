-- Which destination login each attempt used (the GoQ account that received
-- or refused the key), and the destination's own words about it (GoQ's
-- validation message, verbatim, key masked). The delivery row holds its last
-- attempt's.
ALTER TABLE deliveries ADD COLUMN credentials_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN login_id TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN quote TEXT NOT NULL DEFAULT '';

ALTER TABLE delivery_attempts ADD COLUMN credentials_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE delivery_attempts ADD COLUMN login_id TEXT NOT NULL DEFAULT '';
ALTER TABLE delivery_attempts ADD COLUMN quote TEXT NOT NULL DEFAULT '';
