import { ArrayNotEmpty, IsArray, IsIn, IsUUID } from 'class-validator';

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
