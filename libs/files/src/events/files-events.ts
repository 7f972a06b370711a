import { IsUUID } from 'class-validator';
import { defineEvent, defineEvents, registerEventConsumer } from '@groundwork/platform';
import './files-queues.js';

/** A file was attached to a task, or an attachment deleted (its bytes go once nothing uses them). */
export class AttachmentPayload {
  @IsUUID()
  attachmentId!: string;

  @IsUUID()
  taskId!: string;
}

/** The files context's events (registered when the library loads). */
export const FILES_EVENTS = defineEvents({
  'attachment.added': defineEvent('public', AttachmentPayload),
  'attachment.deleted': defineEvent('public', AttachmentPayload),
});

type FilesEvents = typeof FILES_EVENTS;

declare module '@groundwork/platform' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging
  interface EventCatalogue extends FilesEvents {}
}

/**
 * The events after which a workspace may hold objects nothing uses (a project's deletion
 * cascades to its tasks' attachments) or none at all (the workspace is gone).
 */
export const FILES_QUEUE_EVENTS = ['attachment.deleted', 'project.deleted', 'workspace.deleted'] as const;

export type FilesQueueEvent = (typeof FILES_QUEUE_EVENTS)[number];

registerEventConsumer('files', FILES_QUEUE_EVENTS);
