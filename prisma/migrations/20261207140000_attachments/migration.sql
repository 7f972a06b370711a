-- CreateTable
CREATE TABLE "attachments" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "task_id" UUID NOT NULL,
    "filename" VARCHAR(255) NOT NULL,
    "content_type" VARCHAR(255) NOT NULL,
    "size" BIGINT NOT NULL,
    "sha256" CHAR(64) NOT NULL,
    "uploaded_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "attachments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stored_objects" (
    "workspace_id" UUID NOT NULL,
    "sha256" CHAR(64) NOT NULL,
    "size" BIGINT NOT NULL,
    "ref_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stored_objects_pkey" PRIMARY KEY ("workspace_id","sha256")
);

-- CreateTable
CREATE TABLE "workspace_storage_usage" (
    "workspace_id" UUID NOT NULL,
    "used_bytes" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "workspace_storage_usage_pkey" PRIMARY KEY ("workspace_id")
);

-- CreateIndex
CREATE INDEX "attachments_task_id_id_idx" ON "attachments"("task_id", "id");

-- CreateIndex
CREATE INDEX "attachments_workspace_id_sha256_idx" ON "attachments"("workspace_id", "sha256");

-- AddForeignKey
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "tasks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_workspace_id_sha256_fkey" FOREIGN KEY ("workspace_id", "sha256") REFERENCES "stored_objects"("workspace_id", "sha256") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stored_objects" ADD CONSTRAINT "stored_objects_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "workspace_storage_usage" ADD CONSTRAINT "workspace_storage_usage_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Any deletion of an attachment row (the api's DELETE, or a cascade from its task, project or
-- workspace) releases its object reference and its bytes of the workspace's quota, in the same
-- statement: the counts can never drift from the rows, whichever path removed them.
CREATE FUNCTION "attachments_release"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE "stored_objects" SET "ref_count" = "ref_count" - 1
    WHERE "workspace_id" = OLD."workspace_id" AND "sha256" = OLD."sha256";
    UPDATE "workspace_storage_usage" SET "used_bytes" = "used_bytes" - OLD."size"
    WHERE "workspace_id" = OLD."workspace_id";
    RETURN OLD;
END;
$$;

CREATE TRIGGER "attachments_release" AFTER DELETE ON "attachments"
    FOR EACH ROW EXECUTE FUNCTION "attachments_release"();
