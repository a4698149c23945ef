-- Kept current by triggers in the capture's own transaction, so the status
-- board, alerts and reminders read one row per app and the history page
-- reads its total without counting 100k rows. Captures are never deleted.

-- The newest capture of each shop and app (the board's "last capture").
CREATE TABLE app_latest (
	shop_id    INTEGER NOT NULL REFERENCES shops (id),
	app_name   TEXT NOT NULL,
	capture_id INTEGER NOT NULL REFERENCES captures (id),
	PRIMARY KEY (shop_id, app_name)
) WITHOUT ROWID;

INSERT INTO app_latest (shop_id, app_name, capture_id)
	SELECT shop_id, app_name, MAX(id) FROM captures GROUP BY shop_id, app_name;

-- Captures per shop; shop_id 0 holds the total.
CREATE TABLE capture_counts (
	shop_id INTEGER PRIMARY KEY,
	n       INTEGER NOT NULL
);

INSERT INTO capture_counts (shop_id, n) SELECT shop_id, COUNT(*) FROM captures GROUP BY shop_id;
INSERT INTO capture_counts (shop_id, n) SELECT 0, COUNT(*) FROM captures;

CREATE TRIGGER captures_summary AFTER INSERT ON captures BEGIN
	INSERT INTO app_latest (shop_id, app_name, capture_id) VALUES (NEW.shop_id, NEW.app_name, NEW.id)
		ON CONFLICT (shop_id, app_name) DO UPDATE SET capture_id = excluded.capture_id
		WHERE excluded.capture_id > app_latest.capture_id;
	INSERT INTO capture_counts (shop_id, n) VALUES (NEW.shop_id, 1), (0, 1)
		ON CONFLICT (shop_id) DO UPDATE SET n = n + 1;
END;
