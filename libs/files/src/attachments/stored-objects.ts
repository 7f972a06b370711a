import { Injectable } from '@nestjs/common';
import { PrismaService, type Transaction } from '@groundwork/platform';
import { type ObjectKey, ObjectStorage } from '../ports/object-storage.js';
import { objectKey } from '../storage/object-key.js';

/** How many unused objects one removal transaction takes on. */
const COLLECT_BATCH = 100;

/**
 * How old a staged upload must be before the sweep takes it for left behind: an upload being
 * written keeps its staging place fresh, and one finished is promoted or discarded at once.
 */
export const STAGING_MAX_AGE_MS = 60 * 60 * 1000;

/**
 * The bookkeeping of stored objects: one row per `{workspaceId}/{sha256}` with the number of
 * attachments that use it (rows' deletions decrement it in the database, see the migration's
 * trigger), and the workspace's quota usage. Removal and the first reference of an object
 * both hold the object's row lock, so an object is never removed under an upload that is
 * about to use it.
 */
@Injectable()
export class StoredObjects {
  constructor(
    private readonly prisma: PrismaService,
    private readonly storage: ObjectStorage,
  ) {}

  /** The bytes the workspace's attachments take. */
  async usedBytes(workspaceId: string): Promise<number> {
    const usage = await this.prisma.workspaceStorageUsage.findUnique({ where: { workspaceId } });
    return Number(usage?.usedBytes ?? 0n);
  }

  /**
   * Counts one more reference to the object, creating its row, and returns the new count: 1
   * means the bytes may not be stored yet (a new object, or one waiting for removal). Locks
   * the row until the transaction ends.
   */
  async reference(tx: Transaction, key: ObjectKey, size: number): Promise<number> {
    const rows = await tx.$queryRaw<{ ref_count: number }[]>`
      INSERT INTO stored_objects (workspace_id, sha256, size, ref_count)
      VALUES (${key.workspaceId}::uuid, ${key.sha256}, ${BigInt(size)}, 1)
      ON CONFLICT (workspace_id, sha256) DO UPDATE SET ref_count = stored_objects.ref_count + 1
      RETURNING ref_count`;
    const count = rows[0]?.ref_count;
    if (count === undefined) throw new Error('the object reference was not counted');
    return count;
  }

  /**
   * Removes the workspace's objects that no attachment uses, row by row under its lock
   * (objects being referenced right now are skipped: their uploads hold the lock). A store
   * failure rolls the batch back, so the job that called this is retried. Returns how many
   * objects went.
   */
  async collectUnused(workspaceId: string): Promise<number> {
    let removed = 0;
    for (;;) {
      const batch = await this.prisma.$transaction(
        async (tx) => {
          const rows = await tx.$queryRaw<{ sha256: string }[]>`
            SELECT sha256 FROM stored_objects
            WHERE workspace_id = ${workspaceId}::uuid AND ref_count <= 0
            LIMIT ${COLLECT_BATCH}
            FOR UPDATE SKIP LOCKED`;
          for (const row of rows) await this.storage.remove(objectKey(workspaceId, row.sha256));
          if (rows.length > 0) {
            await tx.$executeRaw`
              DELETE FROM stored_objects
              WHERE workspace_id = ${workspaceId}::uuid AND sha256 = ANY(${rows.map((r) => r.sha256)}) AND ref_count <= 0`;
          }
          return rows.length;
        },
        { timeout: 120_000 },
      );
      removed += batch;
      if (batch < COLLECT_BATCH) return removed;
    }
  }

  /**
   * Removes one object unless an attachment uses it (after an upload failed past its promotion).
   * The row is upserted, not just selected, so its lock is taken even while a concurrent upload
   * of the same bytes is inserting it: this waits for that upload's commit and then sees its
   * reference, rather than finding no row and removing the object the upload just promoted.
   */
  async removeIfUnused(key: ObjectKey): Promise<void> {
    await this.prisma.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<{ ref_count: number }[]>`
          INSERT INTO stored_objects (workspace_id, sha256, size, ref_count)
          VALUES (${key.workspaceId}::uuid, ${key.sha256}, 0, 0)
          ON CONFLICT (workspace_id, sha256) DO UPDATE SET ref_count = stored_objects.ref_count
          RETURNING ref_count`;
        const count = rows[0]?.ref_count ?? 0;
        if (count > 0) return;
        await this.storage.remove(key);
        await tx.$executeRaw`
          DELETE FROM stored_objects WHERE workspace_id = ${key.workspaceId}::uuid AND sha256 = ${key.sha256}`;
      },
      { timeout: 60_000 },
    );
  }

  /** Removes staged uploads older than STAGING_MAX_AGE_MS (left by a crash mid-upload); returns how many. */
  async sweepStaging(now = new Date()): Promise<number> {
    return this.storage.sweepStaging(new Date(now.getTime() - STAGING_MAX_AGE_MS));
  }

  /** Removes every object of a deleted workspace (its rows went with it). */
  async removeWorkspace(workspaceId: string): Promise<void> {
    await this.storage.removeWorkspace(workspaceId);
  }
}
