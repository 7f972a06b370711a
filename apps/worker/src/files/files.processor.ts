import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { type FilesQueueEvent, StoredObjects } from '@groundwork/files';
import { type EventJob, workerOptions } from '@groundwork/platform';
import { DrainingWorkerHost } from '@groundwork/platform/queue';

/**
 * Removes stored objects once nothing uses them: after an attachment's deletion or a
 * project's (whose tasks' attachments went with it), the workspace's unused objects; after a
 * workspace's deletion, all its objects. A store that is away fails the job, which BullMQ
 * retries with backoff; every step is idempotent.
 */
@Processor('files', workerOptions('files'))
export class FilesProcessor extends DrainingWorkerHost<EventJob<FilesQueueEvent>> {
  constructor(private readonly objects: StoredObjects) {
    super();
  }

  protected async handle(job: Job<EventJob<FilesQueueEvent>>): Promise<string> {
    const { event } = job.data;
    const workspaceId = event.workspaceId;
    if (workspaceId === null) return 'skipped: no workspace';
    switch (event.type) {
      case 'attachment.deleted':
      case 'project.deleted':
        return `removed ${await this.objects.collectUnused(workspaceId)} unused objects`;
      case 'workspace.deleted':
        await this.objects.removeWorkspace(workspaceId);
        return 'removed the workspace’s objects';
      default: {
        const unreachable: never = event;
        throw new Error(`unexpected event ${String((unreachable as { type: string }).type)}`);
      }
    }
  }
}
