-- Full-text search on PostgreSQL (the default search driver).
--
-- The vectors live on the rows they describe and are written by the same statement that writes
-- the row (BEFORE triggers): a task or comment is
-- searchable the moment its transaction commits, a soft-deleted task drops out of every query
-- through `deleted_at`, and there is no second copy that an outbox consumer could leave behind.

-- Accents are folded (café = cafe) by the unaccent dictionary; btree_gin lets one GIN index
-- hold (workspace_id, vector), so a query reads only its own workspace's postings.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- The configuration every vector and query uses. It starts as English; `npm run search:reindex`
-- re-points its stemmer at SEARCH_LANGUAGE and rewrites the vectors.
CREATE TEXT SEARCH CONFIGURATION groundwork_search (COPY = english);
ALTER TEXT SEARCH CONFIGURATION groundwork_search
  ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;

-- The text as the parser should see it: `<`, `>` and `&` become spaces, otherwise text that looks
-- like a tag or an entity (`<script>` in a title) is skipped by the parser — together with
-- everything after `<script>` up to `</script>`.
CREATE FUNCTION groundwork_search_text(input text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT translate(coalesce(input, ''), '<>&', '   ') $$;

-- A task's vector: title (A), labels and its key such as GW-123 (B), description (C).
CREATE FUNCTION groundwork_task_search_vector(title text, labels varchar[], task_key text, description text)
  RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$
    SELECT setweight(to_tsvector('groundwork_search', groundwork_search_text(title)), 'A')
        || setweight(to_tsvector('groundwork_search',
             groundwork_search_text(array_to_string(labels, ' ') || ' ' || coalesce(task_key, ''))), 'B')
        || setweight(to_tsvector('groundwork_search', groundwork_search_text(description)), 'C')
  $$;

ALTER TABLE "tasks" ADD COLUMN "search_vector" tsvector;

-- The key comes from the project, so a trigger (a generated column cannot read another table).
CREATE FUNCTION groundwork_tasks_search_vector_trigger() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  BEGIN
    NEW.search_vector := groundwork_task_search_vector(
      NEW.title, NEW.labels,
      (SELECT p.key || '-' || NEW.number FROM projects p WHERE p.id = NEW.project_id),
      NEW.description);
    RETURN NEW;
  END
  $$;

CREATE TRIGGER tasks_search_vector
  BEFORE INSERT OR UPDATE OF title, labels, description, number, project_id ON "tasks"
  FOR EACH ROW EXECUTE FUNCTION groundwork_tasks_search_vector_trigger();

-- A renamed project key renames its tasks' keys: their vectors follow in the same transaction.
CREATE FUNCTION groundwork_projects_key_search_trigger() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  BEGIN
    UPDATE tasks
       SET search_vector = groundwork_task_search_vector(title, labels, NEW.key || '-' || number, description)
     WHERE project_id = NEW.id;
    RETURN NULL;
  END
  $$;

CREATE TRIGGER projects_key_search
  AFTER UPDATE OF key ON "projects"
  FOR EACH ROW WHEN (OLD.key IS DISTINCT FROM NEW.key)
  EXECUTE FUNCTION groundwork_projects_key_search_trigger();

UPDATE tasks t
   SET search_vector = groundwork_task_search_vector(t.title, t.labels, p.key || '-' || t.number, t.description)
  FROM projects p
 WHERE p.id = t.project_id;

-- A comment's vector: its body (a trigger like the task's, so both are maintained the same way).
ALTER TABLE "task_comments" ADD COLUMN "search_vector" tsvector;

CREATE FUNCTION groundwork_task_comments_search_vector_trigger() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  BEGIN
    NEW.search_vector := to_tsvector('groundwork_search', groundwork_search_text(NEW.body));
    RETURN NEW;
  END
  $$;

CREATE TRIGGER task_comments_search_vector
  BEFORE INSERT OR UPDATE OF body ON "task_comments"
  FOR EACH ROW EXECUTE FUNCTION groundwork_task_comments_search_vector_trigger();

UPDATE task_comments SET search_vector = to_tsvector('groundwork_search', groundwork_search_text(body));

-- Every search reads one workspace's live rows: the (workspace_id, vector) GIN indexes answer the
-- match, the partial one keeps soft-deleted tasks out of it.
-- fastupdate off: each write updates the index itself instead of a pending list, which every
-- query would otherwise scan in full (and which makes the planner price the index out) until
-- a vacuum merges it.
CREATE INDEX "tasks_live_search" ON "tasks" USING GIN ("workspace_id", "search_vector") WITH (fastupdate = off) WHERE "deleted_at" IS NULL;
-- (The comments' predicate is always true; being partial keeps the index out of Prisma's drift diff,
-- which cannot describe a btree_gin index. Any `search_vector @@ …` clause implies it.)
CREATE INDEX "task_comments_search" ON "task_comments" USING GIN ("workspace_id", "search_vector") WITH (fastupdate = off) WHERE "search_vector" IS NOT NULL;
