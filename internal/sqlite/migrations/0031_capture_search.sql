-- The text filter's index: FTS5 with the trigram tokenizer finds any
-- substring of three or more characters (Japanese has no spaces to split
-- words on) without reading every row. Contentless: the text is already in
-- captures.search; only rowids (= captures.id) come back. Needs a binary
-- built with -tags sqlite_fts5 (Open says so otherwise).
CREATE VIRTUAL TABLE captures_fts USING fts5(search, content = '', tokenize = 'trigram');

INSERT INTO captures_fts (rowid, search) SELECT id, search FROM captures;

CREATE TRIGGER captures_fts_insert AFTER INSERT ON captures BEGIN
	INSERT INTO captures_fts (rowid, search) VALUES (NEW.id, NEW.search);
END;
