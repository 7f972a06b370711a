-- The search's trigram fallback: when full-text search finds nothing for a single word (most
-- often a misspelling), the live task titles of the workspace holding a similar word, by pg_trgm's
-- word similarity (the extension comes with the work migration). The work migration's title
-- trigram index covers every workspace; this one leads with workspace_id (btree_gin), so a
-- search reads only its own workspace's postings. Partial on live rows like the full-text index
-- (and so, like it, outside Prisma's drift diff), fastupdate off for the same reason: no pending
-- list for every query to scan.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX "tasks_live_search_title_trgm" ON "tasks" USING GIN ("workspace_id", "title" gin_trgm_ops) WITH (fastupdate = off) WHERE "deleted_at" IS NULL;
