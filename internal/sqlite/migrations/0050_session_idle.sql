-- History-page sessions end after 30 minutes without a request, as well as at
-- their absolute expiry. A session from before this migration counts as last
-- seen when it was created.
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT NOT NULL DEFAULT '';
UPDATE sessions SET last_seen_at = created_at;
