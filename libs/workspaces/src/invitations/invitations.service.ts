import { Injectable } from '@nestjs/common';
import { hashToken, looksLikeOpaqueToken, newOpaqueToken, normalizeEmail, UsersService } from '@groundwork/identity';
import {
  AuditTrail,
  DomainError,
  isUuid,
  newId,
  OutboxService,
  type Page,
  pageById,
  PrismaService,
} from '@groundwork/platform';
import { roleAtLeast, type WorkspaceRole } from '../access/permissions.js';
import { assertActorAllows, type WorkspaceActor } from '../access/workspace-actor.js';
import type { WorkspaceView } from '../workspaces/workspaces.service.js';

/** An invitation is valid for seven days from its creation (the mail says how many remain). */
export const INVITATION_TTL_MS = 7 * 24 * 3_600_000;

export interface InvitationView {
  id: string;
  workspaceId: string;
  email: string;
  role: WorkspaceRole;
  invitedById: string;
  expiresAt: Date;
  acceptedAt: Date | null;
  createdAt: Date;
}

/** What the mail consumer needs to write the invitation mail. */
export interface InvitationMail {
  email: string;
  role: WorkspaceRole;
  workspaceName: string;
  invitedById: string;
  expiresAt: Date;
}

export interface CreateInvitationInput {
  email: string;
  role: WorkspaceRole;
}

const notFound = () => new DomainError('not_found', 'The invitation does not exist or is no longer pending.');

function present(row: InvitationView): InvitationView {
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    email: row.email,
    role: row.role,
    invitedById: row.invitedById,
    expiresAt: row.expiresAt,
    acceptedAt: row.acceptedAt,
    createdAt: row.createdAt,
  };
}

/**
 * Invitations, bound to the invited email. The api creates the invitation and publishes
 * `invitation.created`; the mail consumer creates the token (only its hash is stored) and
 * mails the link; the invitee accepts once, signed in with that email.
 */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly users: UsersService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditTrail,
  ) {}

  /**
   * Invites an address with a role no higher than the inviter's (never `owner`). Inviting an
   * address again replaces its pending invitation — a resend: the earlier link stops working.
   */
  async create(
    workspaceId: string,
    actor: WorkspaceActor,
    input: CreateInvitationInput,
    now = new Date(),
  ): Promise<InvitationView> {
    if (input.role === 'owner') {
      throw new DomainError('validation_failed', 'Nobody is invited as owner: ownership moves only by transfer.', {
        errors: [{ field: 'role', message: 'role must be admin, member or viewer' }],
      });
    }
    assertActorAllows(actor, 'invitations:manage');
    if (!roleAtLeast(actor.role, input.role)) {
      throw new DomainError('forbidden', `Your role (${actor.role}) cannot invite a ${input.role}.`);
    }
    const email = normalizeEmail(input.email);
    const existingUserId = await this.users.findIdByEmail(email);
    return this.prisma.$transaction(async (tx) => {
      if (existingUserId !== undefined) {
        const member = await tx.membership.findUnique({
          where: { workspaceId_userId: { workspaceId, userId: existingUserId } },
          select: { role: true },
        });
        if (member) throw new DomainError('conflict', 'That address already belongs to a member of this workspace.');
      }
      const replaced = await tx.invitation.deleteMany({ where: { workspaceId, email, acceptedAt: null } });
      const invitation = await tx.invitation.create({
        data: {
          id: newId(),
          workspaceId,
          email,
          role: input.role,
          invitedById: actor.userId,
          expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
        },
      });
      await this.outbox.publish(tx, {
        type: 'invitation.created',
        data: { invitationId: invitation.id },
        workspaceId,
        actorId: actor.userId,
      });
      await this.audit.record(
        {
          action: 'invitation.created',
          workspaceId,
          actorId: actor.userId,
          actorApiKeyId: actor.apiKeyId,
          details: { invitationId: invitation.id, role: input.role, replaced: replaced.count },
        },
        tx,
      );
      return present(invitation);
    });
  }

  async get(workspaceId: string, invitationId: string): Promise<InvitationView> {
    if (!isUuid(invitationId)) throw notFound();
    const invitation = await this.prisma.invitation.findFirst({ where: { id: invitationId, workspaceId } });
    if (!invitation) throw notFound();
    return present(invitation);
  }

  /** Pending (not accepted, not expired) invitations, newest first. */
  async listPending(
    workspaceId: string,
    limit: number,
    cursor?: string,
    now = new Date(),
  ): Promise<Page<InvitationView>> {
    return pageById(
      { scope: ['invitations', workspaceId], limit, cursor, order: 'desc' },
      ({ after, orderBy, take }) =>
        this.prisma.invitation.findMany({
          where: { workspaceId, acceptedAt: null, expiresAt: { gt: now }, ...after },
          orderBy,
          take,
        }),
      present,
    );
  }

  /** Withdraws a pending invitation: its link stops working. */
  async revoke(workspaceId: string, actor: WorkspaceActor, invitationId: string): Promise<void> {
    assertActorAllows(actor, 'invitations:manage');
    if (!isUuid(invitationId)) throw notFound();
    await this.prisma.$transaction(async (tx) => {
      const { count } = await tx.invitation.deleteMany({ where: { id: invitationId, workspaceId, acceptedAt: null } });
      if (count === 0) throw notFound();
      await this.audit.record(
        {
          action: 'invitation.revoked',
          workspaceId,
          actorId: actor.userId,
          actorApiKeyId: actor.apiKeyId,
          details: { invitationId },
        },
        tx,
      );
    });
  }

  /** The mail's content, or undefined when there is nothing to mail (revoked, accepted, expired). */
  async forMail(invitationId: string, now = new Date()): Promise<InvitationMail | undefined> {
    const invitation = await this.prisma.invitation.findUnique({
      where: { id: invitationId },
      include: { workspace: { select: { name: true } } },
    });
    if (!invitation || invitation.acceptedAt !== null || invitation.expiresAt <= now) return undefined;
    return {
      email: invitation.email,
      role: invitation.role,
      workspaceName: invitation.workspace.name,
      invitedById: invitation.invitedById,
      expiresAt: invitation.expiresAt,
    };
  }

  /**
   * A fresh 256-bit token for a pending invitation; only its hash is stored, replacing any
   * earlier one (a token issued by an attempt whose mail never left dies unused). Undefined
   * when the invitation is no longer pending.
   */
  async issueToken(invitationId: string, now = new Date()): Promise<string | undefined> {
    const token = newOpaqueToken();
    const { count } = await this.prisma.invitation.updateMany({
      where: { id: invitationId, acceptedAt: null, expiresAt: { gt: now } },
      data: { tokenHash: hashToken(token) },
    });
    return count === 1 ? token : undefined;
  }

  /**
   * Joins the caller to the invitation's workspace. The token is single-use and expires; it is
   * bound to the invited address, so the caller's account email must be that address (403
   * otherwise, and the invitation stays usable by its rightful owner). Already a member → 409,
   * leaving the invitation unspent (the role is changed by a manager, not by a second invite).
   */
  async accept(token: string, userId: string, now = new Date()): Promise<WorkspaceView> {
    const invalid = () => new DomainError('invalid_token', 'The invitation is invalid or has already been used.');
    if (!looksLikeOpaqueToken(token)) throw invalid();
    const user = await this.users.findById(userId);
    if (!user) throw new DomainError('unauthenticated', 'The account no longer exists.');
    return this.prisma.$transaction(async (tx) => {
      const invitation = await tx.invitation.findUnique({
        where: { tokenHash: hashToken(token) },
        include: { workspace: true },
      });
      if (!invitation || invitation.acceptedAt !== null) throw invalid();
      if (invitation.expiresAt <= now) {
        throw new DomainError('invalid_token', 'The invitation has expired: ask for a new one.');
      }
      if (normalizeEmail(user.email) !== invitation.email) {
        throw new DomainError('forbidden', 'This invitation was sent to another email address.');
      }
      const { workspaceId } = invitation;
      const existing = await tx.membership.findUnique({ where: { workspaceId_userId: { workspaceId, userId } } });
      if (existing) throw new DomainError('conflict', 'You are already a member of this workspace.');
      // The conditional update is the check that counts: of two concurrent accepts, one claims.
      const claimed = await tx.invitation.updateMany({
        where: { id: invitation.id, acceptedAt: null },
        data: { acceptedAt: now, acceptedBy: userId },
      });
      if (claimed.count !== 1) throw invalid();
      await tx.membership.create({ data: { workspaceId, userId, role: invitation.role } });
      await this.outbox.publish(tx, {
        type: 'member.added',
        data: { userId, role: invitation.role },
        workspaceId,
        actorId: userId,
      });
      await this.audit.record(
        {
          action: 'invitation.accepted',
          workspaceId,
          actorId: userId,
          details: { invitationId: invitation.id, role: invitation.role, invitedById: invitation.invitedById },
        },
        tx,
      );
      const { workspace } = invitation;
      return {
        id: workspace.id,
        name: workspace.name,
        slug: workspace.slug,
        role: invitation.role,
        createdAt: workspace.createdAt,
        updatedAt: workspace.updatedAt,
      };
    });
  }
}
