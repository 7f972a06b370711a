import { Injectable } from '@nestjs/common';
import { UsersService } from '@groundwork/identity';
import {
  AuditTrail,
  CursorCodec,
  cursorScope,
  DomainError,
  isUuid,
  OutboxService,
  type Page,
  PrismaService,
  toPage,
} from '@groundwork/platform';
import { roleAtLeast, type WorkspaceRole } from '../access/permissions.js';
import { WorkspaceAccess } from '../access/workspace-access.js';
import { actsAs, assertActorAllows, type WorkspaceActor } from '../access/workspace-actor.js';
import { lockWorkspace } from '../workspaces/workspace-lock.js';

export interface MemberView {
  userId: string;
  name: string;
  email: string;
  role: WorkspaceRole;
  joinedAt: Date;
}

/** The roles a member can be given here; `owner` only moves by transfer. */
export type AssignableRole = Exclude<WorkspaceRole, 'owner'>;

const notAMember = () => new DomainError('not_found', 'That user is not a member of this workspace.');
const workspaceNotFound = () =>
  new DomainError('not_found', 'The workspace does not exist or you are not a member of it.');
const ownerUntouchable = (what: string) =>
  new DomainError('conflict', `The owner cannot be ${what}: transfer ownership first.`);

/**
 * Memberships. Rules: the owner is never demoted or removed here (409: transfer first);
 * managers (admins, the owner) change and remove anyone whose role is not above theirs — so
 * admins manage other admins, members and viewers, and nobody but the owner touches the
 * owner; anyone may leave, except the owner.
 */
@Injectable()
export class MembersService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly users: UsersService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditTrail,
    private readonly access: WorkspaceAccess,
  ) {}

  /** Members in the order they joined. */
  async list(workspaceId: string, limit: number, cursor?: string): Promise<Page<MemberView>> {
    const scope = cursorScope(['members', workspaceId]);
    const position = cursor === undefined ? undefined : CursorCodec.decode(scope, cursor);
    const joinedAfter = position?.[0];
    const userAfter = position?.[1];
    if (
      position !== undefined &&
      (typeof joinedAfter !== 'string' ||
        Number.isNaN(Date.parse(joinedAfter)) ||
        typeof userAfter !== 'string' ||
        !isUuid(userAfter))
    ) {
      throw new DomainError('invalid_cursor', 'The cursor is invalid.');
    }
    const rows = await this.prisma.membership.findMany({
      where: {
        workspaceId,
        ...(position === undefined
          ? {}
          : {
              OR: [
                { createdAt: { gt: new Date(joinedAfter as string) } },
                { createdAt: new Date(joinedAfter as string), userId: { gt: userAfter as string } },
              ],
            }),
      },
      orderBy: [{ createdAt: 'asc' }, { userId: 'asc' }],
      take: limit + 1,
    });
    // Names and emails belong to identity: asked through its service, one page at a time.
    const people = new Map(
      (await Promise.all(rows.slice(0, limit).map((row) => this.users.findById(row.userId))))
        .filter((user) => user !== undefined)
        .map((user) => [user.id, user]),
    );
    const page = toPage(
      rows,
      limit,
      scope,
      (row) => [row.createdAt.toISOString(), row.userId],
      (row) => {
        const user = people.get(row.userId);
        return user
          ? { userId: row.userId, name: user.name, email: user.email, role: row.role, joinedAt: row.createdAt }
          : undefined;
      },
    );
    // A member whose account is being deleted right now has no name left to show.
    return { data: page.data.filter((member) => member !== undefined), page: page.page };
  }

  /** The owner and the admins: who is told when something needs a manager's attention. */
  async managers(workspaceId: string): Promise<MemberView[]> {
    const rows = await this.prisma.membership.findMany({
      where: { workspaceId, role: { in: ['owner', 'admin'] } },
      orderBy: [{ createdAt: 'asc' }, { userId: 'asc' }],
    });
    const people = await Promise.all(rows.map((row) => this.users.findById(row.userId)));
    return rows.flatMap((row, index) => {
      const user = people[index];
      return user
        ? [{ userId: row.userId, name: user.name, email: user.email, role: row.role, joinedAt: row.createdAt }]
        : [];
    });
  }

  async get(workspaceId: string, userId: string): Promise<MemberView> {
    const membership = isUuid(userId)
      ? await this.prisma.membership.findUnique({ where: { workspaceId_userId: { workspaceId, userId } } })
      : null;
    const user = membership ? await this.users.findById(userId) : undefined;
    if (!membership || !user) throw notAMember();
    return { userId, name: user.name, email: user.email, role: membership.role, joinedAt: membership.createdAt };
  }

  async changeRole(
    workspaceId: string,
    actor: WorkspaceActor,
    userId: string,
    role: WorkspaceRole,
  ): Promise<MemberView> {
    if (role === 'owner') {
      throw new DomainError('validation_failed', 'Ownership moves only by transfer.', {
        errors: [{ field: 'role', message: 'role must be admin, member or viewer (use transfer-ownership)' }],
      });
    }
    assertActorAllows(actor, 'members:manage');
    if (!roleAtLeast(actor.role, role)) {
      throw new DomainError('forbidden', `Your role (${actor.role}) cannot grant ${role}.`);
    }
    if (!isUuid(userId)) throw notAMember();
    await this.prisma.$transaction(async (tx) => {
      if (!(await lockWorkspace(tx, workspaceId))) throw workspaceNotFound();
      const membership = await tx.membership.findUnique({ where: { workspaceId_userId: { workspaceId, userId } } });
      if (!membership) throw notAMember();
      if (membership.role === 'owner') throw ownerUntouchable('demoted');
      if (!roleAtLeast(actor.role, membership.role)) {
        throw new DomainError('forbidden', `Your role (${actor.role}) cannot change a ${membership.role}.`);
      }
      if (membership.role === role) return;
      await tx.membership.update({ where: { workspaceId_userId: { workspaceId, userId } }, data: { role } });
      await this.outbox.publish(tx, {
        type: 'member.role_changed',
        data: { userId, previousRole: membership.role, role },
        workspaceId,
        actorId: actor.userId,
      });
      await this.audit.record(
        {
          action: 'member.role_changed',
          workspaceId,
          actorId: actor.userId,
          actorApiKeyId: actor.apiKeyId,
          details: { userId, previousRole: membership.role, role },
        },
        tx,
      );
    });
    await this.access.membershipsChanged(workspaceId);
    return this.get(workspaceId, userId);
  }

  /** Removes a member, or — when the actor is that member, in person — lets them leave. */
  async remove(workspaceId: string, actor: WorkspaceActor, userId: string): Promise<void> {
    const leaving = actsAs(actor, userId);
    if (!leaving) assertActorAllows(actor, 'members:manage');
    if (!isUuid(userId)) throw notAMember();
    await this.prisma.$transaction(async (tx) => {
      if (!(await lockWorkspace(tx, workspaceId))) throw workspaceNotFound();
      const membership = await tx.membership.findUnique({ where: { workspaceId_userId: { workspaceId, userId } } });
      if (!membership) throw notAMember();
      if (membership.role === 'owner') throw ownerUntouchable('removed');
      if (!leaving && !roleAtLeast(actor.role, membership.role)) {
        throw new DomainError('forbidden', `Your role (${actor.role}) cannot remove a ${membership.role}.`);
      }
      await tx.membership.delete({ where: { workspaceId_userId: { workspaceId, userId } } });
      await this.outbox.publish(tx, { type: 'member.removed', data: { userId }, workspaceId, actorId: actor.userId });
      await this.audit.record(
        {
          action: 'member.removed',
          workspaceId,
          actorId: actor.userId,
          actorApiKeyId: actor.apiKeyId,
          details: { userId, role: membership.role, left: leaving },
        },
        tx,
      );
    });
    await this.access.membershipsChanged(workspaceId);
  }
}
