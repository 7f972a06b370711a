import { Injectable, Logger } from '@nestjs/common';
import { pipeline } from 'node:stream';
import {
  AppConfig,
  DomainError,
  isUuid,
  newId,
  OutboxService,
  type Page,
  pageById,
  PrismaService,
  type Transaction,
} from '@groundwork/platform';
import { FeatureFlags } from '@groundwork/flags';
import { TaskReadsService } from '@groundwork/work';
import { roleAtLeast, type WorkspaceActor } from '@groundwork/workspaces';
import { type ByteRange, type ObjectContent, ObjectStorage, type StagedObject } from '../ports/object-storage.js';
import { objectKey } from '../storage/object-key.js';
import { ContentMeter, quotaExceeded } from '../uploads/content-meter.js';
import { ContentTypeCheck } from '../uploads/content-type-check.js';
import { sanitizeFilename } from '../uploads/filename.js';
import type { UploadedFile } from '../uploads/uploaded-file.js';
import { ATTACHMENT_VIEW, type AttachmentView, toAttachmentView } from './attachment-view.js';
import { StoredObjects } from './stored-objects.js';

const taskNotFound = () => new DomainError('not_found', 'The task does not exist.');
const attachmentNotFound = () => new DomainError('not_found', 'The attachment does not exist.');

/** A staged upload whose bytes are known: what the commit needs. */
interface MeteredUpload {
  staged: StagedObject;
  sha256: string;
  size: number;
  contentType: string;
  filename: string;
}

/**
 * Task attachments: uploads streamed through a meter (SHA-256, size limit, quota, type check)
 * into storage, then committed — quota reserved, object reference counted, row and
 * `attachment.added` event written — in one transaction; reads of live tasks only (a deleted
 * task's attachments are out of sight with it until it is restored); deletes by the uploader
 * or an admin, whose object the worker removes once nothing uses it.
 */
@Injectable()
export class AttachmentsService {
  private readonly logger = new Logger(AttachmentsService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxService,
    private readonly storage: ObjectStorage,
    private readonly objects: StoredObjects,
    private readonly tasks: TaskReadsService,
    private readonly flags: FeatureFlags,
    private readonly config: AppConfig,
  ) {}

  /**
   * Stores the one file `open` yields for a live task. `open` is called only after the task
   * is known and the `attachments` flag is on for the workspace (403 `feature-disabled`
   * otherwise; reads stay open), so a refused request's body is never read. Whatever fails —
   * limit, type, quota, a malformed or cut-off body, the store — nothing is kept.
   */
  async upload(
    workspaceId: string,
    taskId: string,
    actor: WorkspaceActor,
    open: () => Promise<UploadedFile>,
  ): Promise<AttachmentView> {
    await this.flags.assertEnabled('attachments', { workspaceId });
    await this.assertLiveTask(workspaceId, taskId);
    const quotaLeftBytes = this.config.storage.workspaceQuotaBytes - (await this.objects.usedBytes(workspaceId));
    if (quotaLeftBytes < 0) throw quotaExceeded();
    const file = await open();
    const upload = await this.stage(workspaceId, file, quotaLeftBytes);
    try {
      await file.rest;
    } catch (error) {
      await this.storage.discard(upload.staged);
      throw error;
    }
    return this.commit(workspaceId, taskId, actor, upload);
  }

  /** A live task's attachments, oldest first. */
  async list(workspaceId: string, taskId: string, limit: number, cursor?: string): Promise<Page<AttachmentView>> {
    await this.assertLiveTask(workspaceId, taskId);
    return pageById(
      { scope: ['attachments', workspaceId, taskId], limit, cursor, order: 'asc' },
      ({ after, orderBy, take }) =>
        this.prisma.attachment.findMany({
          where: { workspaceId, taskId, ...after },
          orderBy,
          take,
          select: ATTACHMENT_VIEW,
        }),
      toAttachmentView,
    );
  }

  async get(workspaceId: string, taskId: string, attachmentId: string): Promise<AttachmentView> {
    await this.assertLiveTask(workspaceId, taskId);
    if (!isUuid(attachmentId)) throw attachmentNotFound();
    const row = await this.prisma.attachment.findFirst({
      where: { id: attachmentId, taskId, workspaceId },
      select: ATTACHMENT_VIEW,
    });
    if (!row) throw attachmentNotFound();
    return toAttachmentView(row);
  }

  /** The attachment's bytes (or a range of them), opened in storage for sending. */
  async content(workspaceId: string, attachment: AttachmentView, range?: ByteRange): Promise<ObjectContent> {
    return this.storage.read(objectKey(workspaceId, attachment.sha256), range);
  }

  /** Deletes the attachment: its uploader, or an admin or the owner (403 for anyone else). */
  async delete(workspaceId: string, taskId: string, attachmentId: string, actor: WorkspaceActor): Promise<void> {
    const attachment = await this.get(workspaceId, taskId, attachmentId);
    if (attachment.uploadedBy !== actor.userId && !roleAtLeast(actor.role, 'admin')) {
      throw new DomainError('forbidden', 'Only its uploader or an admin can delete an attachment.');
    }
    await this.prisma.$transaction(async (tx) => {
      // The row's trigger releases its object reference and its quota in this statement.
      const { count } = await tx.attachment.deleteMany({ where: { id: attachmentId, workspaceId } });
      if (count === 0) throw attachmentNotFound();
      await this.outbox.publish(tx, {
        type: 'attachment.deleted',
        data: { attachmentId, taskId },
        workspaceId,
        actorId: actor.userId,
      });
    });
  }

  /** Streams the file through the meter into a staging place of the store. */
  private async stage(workspaceId: string, file: UploadedFile, quotaLeftBytes: number): Promise<MeteredUpload> {
    const typeCheck = new ContentTypeCheck(file.declaredType);
    const meter = new ContentMeter({ maxBytes: this.config.storage.attachmentMaxBytes, quotaLeftBytes }, typeCheck);
    // pipeline, not pipe: a failing request stream fails the meter, and so the store's write.
    const metered = pipeline(file.content, meter, () => undefined);
    const staged = await this.storage.stage(workspaceId, metered);
    return {
      staged,
      sha256: meter.digest(),
      size: meter.byteCount(),
      contentType: typeCheck.contentType,
      filename: sanitizeFilename(file.filename),
    };
  }

  /**
   * Reserves the quota, counts the reference and writes the row and its event in one
   * transaction. The object row is locked (upsert) for the rest of it, so a concurrent upload
   * of the same bytes and the worker's removal of unused objects wait their turn: the first
   * reference promotes the staged bytes to the key, later ones drop their copy.
   */
  private async commit(
    workspaceId: string,
    taskId: string,
    actor: WorkspaceActor,
    upload: MeteredUpload,
  ): Promise<AttachmentView> {
    const key = objectKey(workspaceId, upload.sha256);
    const id = newId();
    let promoted = false;
    try {
      const { view, firstReference } = await this.prisma.$transaction(
        async (tx) => {
          await this.reserveQuota(tx, workspaceId, upload.size);
          const references = await this.objects.reference(tx, key, upload.size);
          const row = await tx.attachment.create({
            data: {
              id,
              workspaceId,
              taskId,
              filename: upload.filename,
              contentType: upload.contentType,
              size: BigInt(upload.size),
              sha256: upload.sha256,
              uploadedBy: actor.userId,
            },
            select: ATTACHMENT_VIEW,
          });
          await this.outbox.publish(tx, {
            type: 'attachment.added',
            data: { attachmentId: id, taskId },
            workspaceId,
            actorId: actor.userId,
          });
          if (references === 1) {
            await this.storage.promote(upload.staged, key);
            promoted = true;
          }
          return { view: toAttachmentView(row), firstReference: references === 1 };
        },
        { timeout: 120_000 },
      );
      if (!firstReference) await this.storage.discard(upload.staged);
      return view;
    } catch (error) {
      if (!promoted) await this.storage.discard(upload.staged);
      // The commit failed after the bytes became the object: remove it unless someone else uses it.
      else
        await this.objects
          .removeIfUnused(key)
          .catch((cleanup: unknown) => this.logger.warn({ err: cleanup }, 'orphan object left'));
      throw error;
    }
  }

  /** Adds the upload's bytes to the workspace's usage, unless that would exceed the quota (409). */
  private async reserveQuota(tx: Transaction, workspaceId: string, size: number): Promise<void> {
    const quota = BigInt(this.config.storage.workspaceQuotaBytes);
    if (BigInt(size) > quota) throw quotaExceeded();
    // One conditional statement: of concurrent uploads that together exceed the quota, the row
    // lock lets each see the others' committed reservations, and the one that would overflow gets none.
    const reserved = await tx.$queryRaw<{ used_bytes: bigint }[]>`
      INSERT INTO workspace_storage_usage (workspace_id, used_bytes) VALUES (${workspaceId}::uuid, ${BigInt(size)})
      ON CONFLICT (workspace_id) DO UPDATE
        SET used_bytes = workspace_storage_usage.used_bytes + EXCLUDED.used_bytes
        WHERE workspace_storage_usage.used_bytes + EXCLUDED.used_bytes <= ${quota}
      RETURNING used_bytes`;
    if (reserved.length === 0) throw quotaExceeded();
  }

  private async assertLiveTask(workspaceId: string, taskId: string): Promise<void> {
    if (!(await this.tasks.isLive(workspaceId, taskId))) throw taskNotFound();
  }
}
