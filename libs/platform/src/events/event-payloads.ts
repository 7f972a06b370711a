import { ArrayNotEmpty, IsArray, IsIn, IsInt, IsUUID, Matches, Min } from 'class-validator';

/**
 * Payload schemas of the event catalogue: class-validator classes, checked at publish time.
 * Payloads name things by id; consumers read what they need. Never a secret in a payload.
 */
export class UserRegisteredPayload {
  @IsUUID()
  userId!: string;
}

/** Someone tried to register an email that already has an account (it gets a notice mail). */
export class UserRegistrationRepeatedPayload {
  @IsUUID()
  userId!: string;
}

export class UserEmailVerifiedPayload {
  @IsUUID()
  userId!: string;
}

/** Someone asked for a password reset of an existing account (the mail consumer creates the token). */
export class UserPasswordResetRequestedPayload {
  @IsUUID()
  userId!: string;
}

/** An account was deleted: its personal data is already erased; consumers drop what they keep. */
export class UserDeletedPayload {
  @IsUUID()
  userId!: string;
}

const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;

export class MemberAddedPayload {
  @IsUUID()
  userId!: string;

  @IsIn(ROLES)
  role!: (typeof ROLES)[number];
}

export class MemberRemovedPayload {
  @IsUUID()
  userId!: string;
}

export class MemberRoleChangedPayload {
  @IsUUID()
  userId!: string;

  @IsIn(ROLES)
  previousRole!: (typeof ROLES)[number];

  @IsIn(ROLES)
  role!: (typeof ROLES)[number];
}

/** An invitation to mail (internal: the consumer creates its token). */
export class InvitationCreatedPayload {
  @IsUUID()
  invitationId!: string;
}

/** A workspace was created (its creator, the owner, is announced by `member.added`). */
export class WorkspaceCreatedPayload {
  @IsUUID()
  workspaceId!: string;
}

const WORKSPACE_FIELDS = ['name', 'slug'] as const;

/** A workspace's settings changed: which fields (consumers read the new values). */
export class WorkspaceUpdatedPayload {
  @IsUUID()
  workspaceId!: string;

  @IsArray()
  @ArrayNotEmpty()
  @IsIn(WORKSPACE_FIELDS, { each: true })
  fields!: (typeof WORKSPACE_FIELDS)[number][];
}

/** A workspace was deleted with everything in it: consumers drop what they keep of it. */
export class WorkspaceDeletedPayload {
  @IsUUID()
  workspaceId!: string;
}

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

/** A file was attached to a task, or an attachment deleted (its bytes go once nothing uses them). */
export class AttachmentPayload {
  @IsUUID()
  attachmentId!: string;

  @IsUUID()
  taskId!: string;
}

/** `POST .../webhooks/{webhookId}/ping`: a test delivery to that one endpoint. */
export class WebhookPingPayload {
  @IsUUID()
  webhookId!: string;
}

/** An endpoint was disabled after too many consecutive failed deliveries (its admins are mailed). */
export class WebhookDisabledPayload {
  @IsUUID()
  webhookId!: string;

  @IsInt()
  @Min(1)
  consecutiveFailures!: number;
}

/** An admin asked to re-send one delivery (`POST .../deliveries/{deliveryId}/redeliver`). */
export class WebhookRedeliveryRequestedPayload {
  @IsUUID()
  deliveryId!: string;
}
