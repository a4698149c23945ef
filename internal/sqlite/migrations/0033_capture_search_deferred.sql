-- The text index is fed after the capture's commit, in batches
-- (sqlite/textindex.go), not by a trigger inside it: the trigger wrote an
-- FTS5 segment per capture (about half the pages of each durable commit)
-- and ran segment merges that grew with the history. captures_fts holds
-- exactly the captures with id <= indexed_to; a search also scans the few
-- captures above it, so nothing committed is missing from results, and the
-- helper indexes that tail at start after a crash.
DROP TRIGGER captures_fts_insert;

CREATE TABLE capture_search_watermark (
	one        INTEGER PRIMARY KEY CHECK (one = 1),
	indexed_to INTEGER NOT NULL
);

-- Until now the trigger indexed every capture.
INSERT INTO capture_search_watermark (one, indexed_to) SELECT 1, COALESCE(MAX(id), 0) FROM captures;
