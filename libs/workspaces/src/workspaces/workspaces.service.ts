import { Injectable } from '@nestjs/common';
import {
  AuditTrail,
  DomainError,
  newId,
  OutboxService,
  type Page,
  pageById,
  PrismaService,
  type Transaction,
} from '@groundwork/platform';
import type { WorkspaceRole } from '../access/permissions.js';
import { WorkspaceAccess } from '../access/workspace-access.js';
import { assertActorAllows, type WorkspaceActor } from '../access/workspace-actor.js';
import { lockWorkspace } from './workspace-lock.js';

/** A workspace as one member sees it: with their role in it. */
export interface WorkspaceView {
  id: string;
  name: string;
  slug: string;
  role: WorkspaceRole;
  createdAt: Date;
  updatedAt: Date;
}

export interface CreateWorkspaceInput {
  name: string;
  slug: string;
}

export interface UpdateWorkspaceInput {
  name?: string;
  slug?: string;
}

export interface OwnershipTransfer {
  workspaceId: string;
  ownerId: string;
  previousOwnerId: string;
}

const notFound = () => new DomainError('not_found', 'The workspace does not exist or you are not a member of it.');

const slugTaken = (slug: string, cause: unknown) =>
  new DomainError('conflict', `The slug "${slug}" is already taken.`, {
    errors: [{ field: 'slug', message: 'slug is already taken' }],
    cause,
  });

/** A unique violation on the slug (the only unique column a workspace write can clash on). */
function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'PrismaClientKnownRequestError' &&
    'code' in error &&
    error.code === 'P2002'
  );
}

/**
 * Workspaces and their one owner. Every change commits with its outbox event and audit entry
 * in one transaction, so what consumers and auditors see is exactly what happened.
 */
@Injectable()
export class WorkspacesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditTrail,
    private readonly access: WorkspaceAccess,
  ) {}

  /** Creates the workspace with its creator as the owner. A taken slug → 409. */
  async create(userId: string, input: CreateWorkspaceInput): Promise<WorkspaceView> {
    const id = newId();
    try {
      return await this.prisma.$transaction(async (tx) => {
        const workspace = await tx.workspace.create({ data: { id, name: input.name, slug: input.slug } });
        await tx.membership.create({ data: { workspaceId: id, userId, role: 'owner' } });
        await this.outbox.publish(tx, {
          type: 'workspace.created',
          data: { workspaceId: id },
          workspaceId: id,
          actorId: userId,
        });
        await this.outbox.publish(tx, {
          type: 'member.added',
          data: { userId, role: 'owner' },
          workspaceId: id,
          actorId: userId,
        });
        await this.audit.record(
          { action: 'workspace.created', workspaceId: id, actorId: userId, details: { slug: input.slug } },
          tx,
        );
        return { ...workspace, role: 'owner' as const };
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw slugTaken(input.slug, error);
      throw error;
    }
  }

  /** The caller's workspaces with their role in each, oldest first (ids are time-ordered). */
  async listMine(userId: string, limit: number, cursor?: string): Promise<Page<WorkspaceView>> {
    return pageById(
      { scope: ['workspaces', userId], limit, cursor, order: 'asc', idField: 'workspaceId' },
      ({ after, orderBy, take }) =>
        this.prisma.membership.findMany({ where: { userId, ...after }, include: { workspace: true }, orderBy, take }),
      (row) => ({ ...row.workspace, role: row.role }),
    );
  }

  /** The workspace as a member with `role` sees it (the access guard resolved the role). */
  async get(workspaceId: string, role: WorkspaceRole): Promise<WorkspaceView> {
    const workspace = await this.prisma.workspace.findUnique({ where: { id: workspaceId } });
    if (!workspace) throw notFound();
    return { ...workspace, role };
  }

  /** Renames and/or re-slugs; fields equal to the current values are not a change (no event). */
  async update(workspaceId: string, actor: WorkspaceActor, input: UpdateWorkspaceInput): Promise<WorkspaceView> {
    assertActorAllows(actor, 'workspace:update');
    try {
      return await this.prisma.$transaction(async (tx) => {
        if (!(await lockWorkspace(tx, workspaceId))) throw notFound();
        const current = await tx.workspace.findUniqueOrThrow({ where: { id: workspaceId } });
        const fields: ('name' | 'slug')[] = [];
        if (input.name !== undefined && input.name !== current.name) fields.push('name');
        if (input.slug !== undefined && input.slug !== current.slug) fields.push('slug');
        if (fields.length === 0) return { ...current, role: actor.role };
        const workspace = await tx.workspace.update({
          where: { id: workspaceId },
          data: { name: input.name, slug: input.slug },
        });
        await this.outbox.publish(tx, {
          type: 'workspace.updated',
          data: { workspaceId, fields },
          workspaceId,
          actorId: actor.userId,
        });
        await this.audit.record(
          {
            action: 'workspace.updated',
            workspaceId,
            actorId: actor.userId,
            actorApiKeyId: actor.apiKeyId,
            details: { fields: fields.join(','), previousSlug: current.slug, slug: workspace.slug },
          },
          tx,
        );
        return { ...workspace, role: actor.role };
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw slugTaken(input.slug ?? '', error);
      throw error;
    }
  }

  /**
   * Deletes the workspace and everything in it (rows cascade). Owner only, and in person: a
   * leaked key must not be able to destroy a workspace.
   */
  async delete(workspaceId: string, actor: WorkspaceActor): Promise<void> {
    assertActorAllows(actor, 'workspace:delete');
    await this.prisma.$transaction(async (tx) => {
      if (!(await lockWorkspace(tx, workspaceId))) throw notFound();
      const workspace = await tx.workspace.delete({ where: { id: workspaceId } });
      await this.outbox.publish(tx, {
        type: 'workspace.deleted',
        data: { workspaceId },
        workspaceId,
        actorId: actor.userId,
      });
      await this.audit.record(
        { action: 'workspace.deleted', workspaceId, actorId: actor.userId, details: { slug: workspace.slug } },
        tx,
      );
    });
    await this.access.membershipsChanged(workspaceId);
  }

  /**
   * Hands the workspace to another member; the old owner becomes an admin. Demote first, then
   * promote: the one-owner index is never violated mid-transaction. The workspace lock makes a
   * second, concurrent transfer wait and then find that its caller is no longer the owner.
   * A target that is not a member → 422 (the workspace exists; the body names a wrong user).
   */
  async transferOwnership(
    workspaceId: string,
    actor: WorkspaceActor,
    targetUserId: string,
  ): Promise<OwnershipTransfer> {
    assertActorAllows(actor, 'workspace:transfer');
    if (targetUserId === actor.userId) {
      throw new DomainError('validation_failed', 'You already own this workspace.', {
        errors: [{ field: 'userId', message: 'userId must be another member' }],
      });
    }
    const transfer = await this.prisma.$transaction(async (tx) => {
      if (!(await lockWorkspace(tx, workspaceId))) throw notFound();
      const owner = await this.currentOwner(tx, workspaceId);
      if (owner.userId !== actor.userId) {
        throw new DomainError(
          'forbidden',
          'Only the owner can transfer ownership (it may just have been transferred).',
        );
      }
      const target = await tx.membership.findUnique({
        where: { workspaceId_userId: { workspaceId, userId: targetUserId } },
      });
      if (!target) {
        throw new DomainError('validation_failed', 'The new owner must be a member of the workspace.', {
          errors: [{ field: 'userId', message: 'userId must be a member of the workspace' }],
        });
      }
      await tx.membership.update({
        where: { workspaceId_userId: { workspaceId, userId: owner.userId } },
        data: { role: 'admin' },
      });
      await tx.membership.update({
        where: { workspaceId_userId: { workspaceId, userId: targetUserId } },
        data: { role: 'owner' },
      });
      await this.outbox.publish(tx, {
        type: 'member.role_changed',
        data: { userId: owner.userId, previousRole: 'owner', role: 'admin' },
        workspaceId,
        actorId: actor.userId,
      });
      await this.outbox.publish(tx, {
        type: 'member.role_changed',
        data: { userId: targetUserId, previousRole: target.role, role: 'owner' },
        workspaceId,
        actorId: actor.userId,
      });
      await this.audit.record(
        {
          action: 'ownership.transferred',
          workspaceId,
          actorId: actor.userId,
          details: { previousOwnerId: owner.userId, ownerId: targetUserId, ownerPreviousRole: target.role },
        },
        tx,
      );
      return { workspaceId, ownerId: targetUserId, previousOwnerId: owner.userId };
    });
    await this.access.membershipsChanged(workspaceId);
    return transfer;
  }

  private async currentOwner(tx: Transaction, workspaceId: string): Promise<{ userId: string }> {
    const owner = await tx.membership.findFirst({ where: { workspaceId, role: 'owner' }, select: { userId: true } });
    // The invariant says there is always one; its absence is corrupted data, not a client error.
    if (!owner) throw new Error(`workspace ${workspaceId} has no owner`);
    return owner;
  }
}
