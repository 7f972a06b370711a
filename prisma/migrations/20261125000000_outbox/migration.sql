-- CreateEnum
CREATE TYPE "event_visibility" AS ENUM ('public', 'internal');

-- CreateTable
CREATE TABLE "outbox_events" (
    "id" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "type" VARCHAR(100) NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "visibility" "event_visibility" NOT NULL,
    "workspace_id" UUID,
    "actor_id" UUID,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "data" JSONB NOT NULL,
    "request_id" VARCHAR(128),
    "traceparent" VARCHAR(55),
    "relayed_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "outbox_events_workspace_id_occurred_at_idx" ON "outbox_events"("workspace_id", "occurred_at");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_events_seq_key" ON "outbox_events"("seq");

-- The relay claims unrelayed rows in seq order: this partial index holds only those rows,
-- so it stays tiny however many relayed rows await their purge. (Partial indexes are not
-- expressible in the Prisma schema, so the drift test tolerates exactly these names.)
CREATE INDEX "outbox_events_unrelayed_seq_idx" ON "outbox_events"("seq") WHERE "relayed_at" IS NULL;

-- The purge deletes relayed rows older than the retention.
CREATE INDEX "outbox_events_relayed_at_idx" ON "outbox_events"("relayed_at") WHERE "relayed_at" IS NOT NULL;
