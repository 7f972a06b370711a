-- AlterTable
ALTER TABLE "audit_events" ADD COLUMN     "platform" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "feature_flags" (
    "key" VARCHAR(64) NOT NULL,
    "description" VARCHAR(500),
    "enabled" BOOLEAN NOT NULL,
    "rollout_percent" SMALLINT,
    "workspace_ids" UUID[],
    "variants" JSONB,
    "default_variant" VARCHAR(64),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_by" UUID,

    CONSTRAINT "feature_flags_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "audit_events_platform_id_idx" ON "audit_events"("platform", "id");
