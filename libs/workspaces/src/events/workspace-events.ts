import { ArrayNotEmpty, IsArray, IsIn, IsUUID } from 'class-validator';
import { defineEvent, defineEvents, registerEventConsumer } from '@groundwork/platform';

// Payload schemas: class-validator classes, checked at publish time. Payloads name things by
// id; consumers read what they need. Never a secret in a payload.

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

/** The workspaces context's events (registered when the library loads). */
export const WORKSPACE_EVENTS = defineEvents({
  'member.added': defineEvent('public', MemberAddedPayload),
  'member.removed': defineEvent('public', MemberRemovedPayload),
  'member.role_changed': defineEvent('public', MemberRoleChangedPayload),
  'invitation.created': defineEvent('internal', InvitationCreatedPayload),
  'workspace.created': defineEvent('public', WorkspaceCreatedPayload),
  'workspace.updated': defineEvent('public', WorkspaceUpdatedPayload),
  'workspace.deleted': defineEvent('public', WorkspaceDeletedPayload),
});

type WorkspaceEvents = typeof WORKSPACE_EVENTS;

declare module '@groundwork/platform' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging
  interface EventCatalogue extends WorkspaceEvents {}
}

/** The workspaces events that mail someone (the invitee). */
export const WORKSPACE_MAILED_EVENTS = ['invitation.created'] as const satisfies readonly (keyof WorkspaceEvents)[];

registerEventConsumer('email', WORKSPACE_MAILED_EVENTS);
