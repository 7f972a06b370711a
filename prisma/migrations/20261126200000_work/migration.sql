-- CreateEnum
CREATE TYPE "task_status" AS ENUM ('todo', 'in_progress', 'in_review', 'done', 'canceled');

-- CreateEnum
CREATE TYPE "task_priority" AS ENUM ('none', 'low', 'medium', 'high', 'urgent');

-- CreateTable
CREATE TABLE "projects" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "key" VARCHAR(10) NOT NULL,
    "description" TEXT,
    "wip_limit" INTEGER,
    "next_task_number" INTEGER NOT NULL DEFAULT 1,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_by_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "projects_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tasks" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "description" TEXT,
    "status" "task_status" NOT NULL DEFAULT 'todo',
    "priority" "task_priority" NOT NULL DEFAULT 'none',
    "assignee_id" UUID,
    "labels" VARCHAR(50)[] DEFAULT ARRAY[]::VARCHAR(50)[],
    "due_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_by_id" UUID NOT NULL,
    "deleted_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "tasks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "task_comments" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "task_id" UUID NOT NULL,
    "author_id" UUID NOT NULL,
    "body" TEXT NOT NULL,
    "edited_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "task_comments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "projects_workspace_id_id_idx" ON "projects"("workspace_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "projects_workspace_id_key_key" ON "projects"("workspace_id", "key");

-- CreateIndex
CREATE UNIQUE INDEX "tasks_workspace_id_project_id_number_key" ON "tasks"("workspace_id", "project_id", "number");

-- CreateIndex
CREATE INDEX "task_comments_task_id_id_idx" ON "task_comments"("task_id", "id");

-- AddForeignKey
ALTER TABLE "projects" ADD CONSTRAINT "projects_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "task_comments" ADD CONSTRAINT "task_comments_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "tasks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written indexes (the drift diff does not see partial, expression or trigram indexes).
-- Every list reads live tasks of one workspace, in the order of its sort then the id (the
-- keyset tie-breaker): one partial index per sort keeps soft-deleted rows out and lets the
-- first page stop after `limit + 1` rows instead of sorting the workspace.
CREATE INDEX "tasks_live_by_created" ON "tasks" ("workspace_id", "created_at", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "tasks_live_by_updated" ON "tasks" ("workspace_id", "updated_at", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "tasks_live_by_due" ON "tasks" ("workspace_id", "due_at", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "tasks_live_by_priority" ON "tasks" ("workspace_id", "priority", "id") WHERE "deleted_at" IS NULL;
-- The common filters with the default sort: a board column, one project, one person's tasks.
CREATE INDEX "tasks_live_by_status" ON "tasks" ("workspace_id", "status", "created_at", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "tasks_live_by_project" ON "tasks" ("workspace_id", "project_id", "created_at", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "tasks_live_by_assignee" ON "tasks" ("workspace_id", "assignee_id", "created_at", "id") WHERE "deleted_at" IS NULL;
-- The WIP-limit count (tasks of one project in one status) and the daily digest (due soon).
CREATE INDEX "tasks_live_by_project_status" ON "tasks" ("project_id", "status") WHERE "deleted_at" IS NULL;
CREATE INDEX "tasks_live_due_assigned" ON "tasks" ("due_at") WHERE "deleted_at" IS NULL AND "assignee_id" IS NOT NULL;
-- `label=` (labels @> ARRAY[...]) and `q=` (title ILIKE '%…%'): GIN, the trigram one from pg_trgm.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "tasks_live_labels" ON "tasks" USING GIN ("labels") WHERE "deleted_at" IS NULL;
CREATE INDEX "tasks_live_title_trgm" ON "tasks" USING GIN ("title" gin_trgm_ops) WHERE "deleted_at" IS NULL;
