-- A comment's version, raised by each edit: the Elasticsearch indexer orders a comment's
-- document by it (external versioning), so a late, older write never replaces a newer one.
-- Expand-only: the previous release neither reads nor writes it (the default covers its inserts).
ALTER TABLE task_comments ADD COLUMN version integer NOT NULL DEFAULT 1;
