import { ArrayNotEmpty, IsArray, IsIn, IsInt, IsUUID, Matches, Min } from 'class-validator';
import { defineEvent, defineEvents, registerEventConsumer } from '@groundwork/platform';

// Payload schemas: class-validator classes, checked at publish time. Payloads name things by
// id; consumers read what they need. Never a secret in a payload.

const PROJECT_FIELDS = ['name', 'key', 'description', 'wipLimit'] as const;

/** A project was created in the workspace. */
export class ProjectCreatedPayload {
  @IsUUID()
  projectId!: string;

  @Matches(/^[A-Z]{2,10}$/)
  key!: string;
}

/** A project's settings changed: which fields (consumers read the new values). */
export class ProjectUpdatedPayload {
  @IsUUID()
  projectId!: string;

  @IsArray()
  @ArrayNotEmpty()
  @IsIn(PROJECT_FIELDS, { each: true })
  fields!: (typeof PROJECT_FIELDS)[number][];
}

/** A project (it had no live tasks) was deleted. */
export class ProjectDeletedPayload {
  @IsUUID()
  projectId!: string;
}

const TASK_STATUSES = ['todo', 'in_progress', 'in_review', 'done', 'canceled'] as const;
const TASK_FIELDS = ['title', 'description', 'status', 'priority', 'assigneeId', 'labels', 'dueAt'] as const;

/** A task was created (it starts in `todo`). */
export class TaskCreatedPayload {
  @IsUUID()
  taskId!: string;

  @IsUUID()
  projectId!: string;

  @IsInt()
  @Min(1)
  number!: number;
}

/** A task's fields changed: which ones (status and assignee changes also have their own events). */
export class TaskUpdatedPayload {
  @IsUUID()
  taskId!: string;

  @IsArray()
  @ArrayNotEmpty()
  @IsIn(TASK_FIELDS, { each: true })
  fields!: (typeof TASK_FIELDS)[number][];
}

/** A task moved along the state machine. */
export class TaskStatusChangedPayload {
  @IsUUID()
  taskId!: string;

  @IsIn(TASK_STATUSES)
  from!: (typeof TASK_STATUSES)[number];

  @IsIn(TASK_STATUSES)
  to!: (typeof TASK_STATUSES)[number];
}

/** A task was given to someone (the mail consumer tells them, unless they did it themselves). */
export class TaskAssignedPayload {
  @IsUUID()
  taskId!: string;

  @IsUUID()
  assigneeId!: string;
}

/** A task was soft-deleted (it can be restored). */
export class TaskDeletedPayload {
  @IsUUID()
  taskId!: string;
}

export class TaskRestoredPayload {
  @IsUUID()
  taskId!: string;
}

/** A comment of a task was added, edited or deleted (the body is never in the event). */
export class CommentPayload {
  @IsUUID()
  commentId!: string;

  @IsUUID()
  taskId!: string;
}

/** The work context's events (registered when the library loads). */
export const WORK_EVENTS = defineEvents({
  'project.created': defineEvent('public', ProjectCreatedPayload),
  'project.updated': defineEvent('public', ProjectUpdatedPayload),
  'project.deleted': defineEvent('public', ProjectDeletedPayload),
  'task.created': defineEvent('public', TaskCreatedPayload),
  'task.updated': defineEvent('public', TaskUpdatedPayload),
  'task.status_changed': defineEvent('public', TaskStatusChangedPayload),
  'task.assigned': defineEvent('public', TaskAssignedPayload),
  'task.deleted': defineEvent('public', TaskDeletedPayload),
  'task.restored': defineEvent('public', TaskRestoredPayload),
  'comment.created': defineEvent('public', CommentPayload),
  'comment.updated': defineEvent('public', CommentPayload),
  'comment.deleted': defineEvent('public', CommentPayload),
});

type WorkEvents = typeof WORK_EVENTS;

declare module '@groundwork/platform' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging
  interface EventCatalogue extends WorkEvents {}
}

/** The work events that mail someone (the new assignee). */
export const WORK_MAILED_EVENTS = ['task.assigned'] as const satisfies readonly (keyof WorkEvents)[];

registerEventConsumer('email', WORK_MAILED_EVENTS);
