-- Filters of one or two characters (too short for the trigram index) scan
-- the search text. They scanned the captures_search index, which each
-- capture's durable commit had to update (a random page of a wide index,
-- about three pages a commit with its splits). The narrow copy below is fed
-- with the text index after the commit (sqlite/textindex.go): it holds the
-- captures with id <= capture_search_watermark.indexed_to, and a search
-- scans the captures above it as well.
CREATE TABLE capture_search_text (
	id      INTEGER PRIMARY KEY, -- captures.id
	shop_id INTEGER NOT NULL,
	search  TEXT NOT NULL
);

INSERT INTO capture_search_text (id, shop_id, search)
	SELECT id, shop_id, search FROM captures WHERE id <= (SELECT indexed_to FROM capture_search_watermark);

DROP INDEX captures_search;
