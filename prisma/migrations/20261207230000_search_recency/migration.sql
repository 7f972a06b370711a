-- A common term's search candidates are its most recent matches (docs/search.md): the tasks'
-- are walked down `tasks_live_by_updated`; the comments' need the same recency index.
CREATE INDEX "task_comments_workspace_id_updated_at_id_idx" ON "task_comments" ("workspace_id", "updated_at", "id");

-- The task list's `q=` (title ILIKE '%…%') always reads one workspace's live tasks, which the
-- search migration's (workspace_id, title) trigram index serves as well as this one, which spans
-- every workspace: one trigram index on titles to maintain on each write, not two.
DROP INDEX "tasks_live_title_trgm";
